/**
 * pipework-clients — pipework's DHCP-client IPSPECs, mapped to tsnet's own client. Pure.
 *
 *   dhcp[:ARGS]                    pipework: busybox udhcpc in a Docker helper container
 *   udhcpc[-f][:ARGS]              pipework: the host's udhcpc in the guest's netns
 *   dhclient[-f][:ARGS]            pipework: the host's dhclient, killed after the lease (-f: kept)
 *   dhcpcd[-f][:ARGS]              pipework: the host's dhcpcd
 *
 * What the user gets from each is an address, routes and the guest's name as hostname from
 * the server on the segment; tsnet's client gives exactly that (applied in the guest) and
 * keeps renewing the lease, so every form maps to it and none needs the named program.
 * The client's own arguments are read for what they mean to the server (hostname, timeout,
 * client-id, requested options) or accepted when they only steer the program (-q, -v, -4,
 * pid files); anything else is refused with one line naming it.
 * @pure
 */
import { invalid } from '../core/errors.js';

export type PipeworkClient = 'udhcpc' | 'dhclient' | 'dhcpcd';

export const PIPEWORK_CLIENTS: readonly string[] = ['udhcpc', 'udhcpc-f', 'dhclient', 'dhclient-f', 'dhcpcd', 'dhcpcd-f'];

/** What one client argument does: ignored, or sets a field (its value follows when `value`). */
interface ArgRule { value: boolean; set?: 'hostname' | 'timeout' | 'tries' | 'clientId' | 'request' | 'x' }

const RULES: Record<PipeworkClient, Record<string, ArgRule>> = {
  udhcpc: {
    '-f': { value: false }, '-q': { value: false }, '-n': { value: false }, '-b': { value: false }, '-R': { value: false },
    '-S': { value: false }, '-a': { value: false }, '-B': { value: false }, '-o': { value: false }, '-C': { value: false },
    '-p': { value: true }, '-H': { value: true, set: 'hostname' }, '-h': { value: true, set: 'hostname' },
    '-F': { value: true, set: 'hostname' }, '-x': { value: true, set: 'x' }, '-T': { value: true, set: 'timeout' },
    '-t': { value: true, set: 'tries' }, '-O': { value: true, set: 'request' },
  },
  dhclient: {
    '-v': { value: false }, '-q': { value: false }, '-4': { value: false }, '-1': { value: false }, '-d': { value: false },
    '-w': { value: false }, '-nw': { value: false }, '-pf': { value: true }, '-lf': { value: true },
    '-H': { value: true, set: 'hostname' }, '-timeout': { value: true, set: 'timeout' },
  },
  dhcpcd: {
    '-q': { value: false }, '-4': { value: false }, '-b': { value: false }, '-w': { value: false }, '-1': { value: false },
    '-h': { value: true, set: 'hostname' }, '-t': { value: true, set: 'timeout' }, '-I': { value: true, set: 'clientId' },
    '-o': { value: true, set: 'request' },
  },
};

/** The tsnet option text (client-options.ts) the client arguments amount to. */
export function clientArgsToOptions(client: PipeworkClient, words: readonly string[]): string {
  const rules = RULES[client];
  const out: string[] = [];
  let timeout: number | undefined;
  let tries: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const rule = rules[word];
    if (!rule) {
      throw invalid(`${client} argument "${word}" is not supported: tsnet maps ${client} to its own DHCP client (it understands ${Object.keys(rules).join(' ')}; or use dhcp:hostname=NAME,timeout=S,client-id=ID,request=N+N)`);
    }
    if (!rule.value) continue;
    const value = words[++i];
    if (value === undefined) throw invalid(`${client} argument "${word}" needs a value`);
    switch (rule.set) {
      case 'hostname': out.push(`hostname=${value}`); break;
      case 'clientId': out.push(`client-id=${value}`); break;
      case 'request': out.push(`request=${value}`); break;
      case 'timeout': timeout = seconds(client, word, value); break;
      case 'tries': tries = seconds(client, word, value); break;
      case 'x': {
        // udhcpc -x OPT:VALUE sends an option; hostname is the one a server uses.
        const m = /^(?:hostname|12):(.+)$/.exec(value);
        if (!m) throw invalid(`${client} argument "-x ${value}" is not supported: only -x hostname:NAME is`);
        out.push(`hostname=${m[1]}`);
        break;
      }
      default: break; // a pid or lease file of the named program: tsnet keeps its own
    }
  }
  // udhcpc waits T seconds for each of t tries (3 and 3 by default).
  if (client === 'udhcpc' && (timeout !== undefined || tries !== undefined)) timeout = (tries ?? 3) * (timeout ?? 3);
  if (timeout !== undefined) out.push(`timeout=${timeout}`);
  return out.join(',');
}

function seconds(client: string, word: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 3600) throw invalid(`${client} argument "${word} ${value}" must be a whole number from 1 to 3600`);
  return n;
}

/**
 * parsePipeworkClient — `udhcpc-f:-x hostname:web` → the client and its arguments as words
 * (pipework splits them on spaces); undefined when the text names no client.
 */
export function parsePipeworkClient(text: string): { client: PipeworkClient; keep: boolean; words: string[] } | undefined {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!PIPEWORK_CLIENTS.includes(name)) return undefined;
  const args = colon < 0 ? '' : text.slice(colon + 1);
  return { client: name.replace(/-f$/, '') as PipeworkClient, keep: name.endsWith('-f'), words: args.split(/\s+/).filter(Boolean) };
}
