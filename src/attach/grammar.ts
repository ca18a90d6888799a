/**
 * grammar — pipework's attach grammar, parsed and validated without touching anything:
 *   HOSTIF GUEST IPSPEC [MAC][@VLAN]   with -i CTRIF, -l HOSTIF, -a 4|6, --direct-phys
 * Every malformed value gets a one-line EINVAL naming it, before the kernel is touched.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { validateIfName, validateNetnsName } from '../core/names.js';
import { formatCidr, formatIp, parseCidr, parseIp, type Family } from '../ipam/cidr.js';
import { macFromSeed, parseMac } from '../veth/mac.js';
import { clientArgsToOptions, parsePipeworkClient } from '../dhcp/pipework-clients.js';
import type { AttachRequest, HostIfRef, IpSpec, StaticAddress } from './spec.js';
import type { GuestRef } from '../netns/guest-ref.js';

export interface AttachArgs {
  hostIf: string;
  guest: string;
  /** Absent: HOSTIF must be a tsnet network, which hands out the address. */
  ipSpec?: string | undefined;
  macVlan?: string | undefined;
  ctrIf?: string | undefined;
  hostSideName?: string | undefined;
  family?: string | undefined;
  directPhys?: boolean | undefined;
}

export const DEFAULT_CTR_IF = 'eth1';

export function parseAttach(args: AttachArgs): AttachRequest {
  const family = args.family === undefined ? undefined : parseFamily(args.family);
  const ip: IpSpec = args.ipSpec === undefined ? { mode: 'network' } : parseIpSpec(args.ipSpec, family);
  const { mac, macSeed, vlan } = parseMacVlan(args.macVlan);
  const hostIf = parseHostIf(args.hostIf);
  if (args.directPhys && vlan !== undefined) {
    throw invalid('--direct-phys moves the interface itself; it cannot be combined with @VLAN');
  }
  return {
    hostIf,
    guest: parseGuest(args.guest),
    ctrIf: validateIfName(args.ctrIf ?? DEFAULT_CTR_IF, 'container interface (-i)'),
    hostSideName: args.hostSideName === undefined ? undefined : validateIfName(args.hostSideName, 'host interface (-l)'),
    family,
    ip,
    mac,
    macSeed,
    vlan,
    directPhys: args.directPhys ?? false,
  };
}

export function parseFamily(text: string): Family {
  if (text === '4' || text === 'ip' || text === 'ipv4') return 4;
  if (text === '6' || text === 'ip6' || text === 'ipv6') return 6;
  throw invalid(`address family (-a) "${text}" must be 4 or 6`);
}

/** parseHostIf — an interface name, or mac:<MAC> to pick the host interface by its address. */
export function parseHostIf(text: string): HostIfRef {
  if (text.startsWith('mac:')) return { kind: 'mac', mac: parseMac(text.slice(4)) };
  return { kind: 'name', name: validateIfName(text, 'host interface') };
}

/**
 * parseGuest — a bare number or pid:N is a PID; anything with a '/' is a netns path;
 * netns:NAME / container:NAME force the kind; a plain word is a container name when one
 * exists, else a named netns (the resolver decides, so it stays a 'netns' ref here).
 */
export function parseGuest(text: string): GuestRef {
  if (text.length === 0) throw invalid('guest is empty; give a netns name, a PID, pid:N or a netns path');
  const pidText = text.startsWith('pid:') ? text.slice(4) : /^\d+$/.test(text) ? text : undefined;
  if (pidText !== undefined) {
    const pid = Number(pidText);
    if (!/^\d+$/.test(pidText) || !Number.isSafeInteger(pid) || pid < 1) throw invalid(`guest PID "${pidText}" is not a positive number`);
    return { kind: 'pid', pid };
  }
  if (text.startsWith('netns:')) return { kind: 'netns', name: validateNetnsName(text.slice(6)), explicit: true };
  if (text.startsWith('container:')) return { kind: 'container', name: validateNetnsName(text.slice(10)) };
  if (text.includes('/')) {
    if (!text.startsWith('/')) throw invalid(`guest netns path "${text}" must be absolute`);
    return { kind: 'path', path: text };
  }
  return { kind: 'netns', name: validateNetnsName(text) };
}

/**
 * parseIpSpec — ip/len[,ip/len...][@gw] | 0/0 | dhcp[:opts] | pipework's client forms
 * (udhcpc, dhclient, dhcpcd, each also -f, each with :ARGS), all served by tsnet's own
 * DHCP client (dhcp/pipework-clients.ts says why).
 */
export function parseIpSpec(text: string, family?: Family): IpSpec {
  if (text === 'dhcp' || text.startsWith('dhcp:')) return { mode: 'dhcp', options: dhcpOptions(text.slice(5)) };
  const named = parsePipeworkClient(text);
  if (named) return { mode: 'dhcp', options: clientArgsToOptions(named.client, named.words), client: `${named.client}${named.keep ? '-f' : ''}` };
  if (text === '0/0') return { mode: 'none' };
  const at = text.indexOf('@');
  const addrPart = at < 0 ? text : text.slice(0, at);
  const gwPart = at < 0 ? undefined : text.slice(at + 1);
  if (addrPart.length === 0) throw invalid(`IP spec "${text}" has no address before @`);
  const addresses: StaticAddress[] = [];
  for (const one of addrPart.split(',')) {
    const c = parseCidr(one, 'address');
    if (family !== undefined && c.family !== family) {
      throw invalid(`address "${one}" is IPv${c.family} but -a asked for IPv${family}`);
    }
    const cidr = formatCidr(c);
    if (addresses.some((a) => a.cidr === cidr)) throw invalid(`address "${one}" is given twice`);
    addresses.push({ family: c.family, cidr });
  }
  if (gwPart === undefined) return { mode: 'static', addresses };
  if (gwPart.length === 0) throw invalid(`IP spec "${text}" has an empty gateway after @`);
  const gw = parseIp(gwPart, 'gateway');
  if (!addresses.some((a) => a.family === gw.family)) {
    throw invalid(`gateway "${gwPart}" is IPv${gw.family} but no address of that family is given`);
  }
  const gwText = formatIp(gw.family, gw.addr);
  if (addresses.some((a) => a.cidr.split('/')[0] === gwText)) {
    throw invalid(`gateway "${gwPart}" is the interface's own address`);
  }
  return { mode: 'static', addresses, gateway: { family: gw.family, ip: gwText } };
}

/**
 * dhcpOptions — after dhcp: come tsnet's options (`-f,hostname=web,timeout=10`) or, as in
 * pipework, arguments for busybox udhcpc (`-x hostname:web -T 5`), told apart by the spaces
 * and dashes of the latter.
 */
function dhcpOptions(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= 1 && (!text.startsWith('-') || /^-f(,|$)/.test(text))) return text;
  return clientArgsToOptions('udhcpc', words);
}

/** parseMacVlan — [MAC][@VLAN]; MAC is aa:bb:.. or U:<seed>. */
export function parseMacVlan(text: string | undefined): { mac?: string; macSeed?: string; vlan?: number } {
  if (text === undefined || text === '') return {};
  const at = text.lastIndexOf('@');
  const macPart = at < 0 ? text : text.slice(0, at);
  const vlanPart = at < 0 ? undefined : text.slice(at + 1);
  const out: { mac?: string; macSeed?: string; vlan?: number } = {};
  if (macPart.startsWith('U:')) {
    out.macSeed = macPart.slice(2);
    out.mac = macFromSeed(out.macSeed);
  } else if (macPart !== '') {
    out.mac = parseMac(macPart);
  }
  if (vlanPart !== undefined) {
    const vlan = Number(vlanPart);
    if (!/^\d{1,4}$/.test(vlanPart) || vlan < 1 || vlan > 4094) {
      throw invalid(`VLAN "${vlanPart}" must be a number from 1 to 4094`);
    }
    out.vlan = vlan;
  }
  return out;
}
