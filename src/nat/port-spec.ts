/**
 * port-spec — Docker's publish syntax, parsed without touching anything:
 *   -p [HOSTIP:][HOSTPORT[-END]:]CTRPORT[-END][/tcp|udp|sctp]
 * `tsnet port publish` (and later `tsnet run -p`) must accept what `docker run -p` accepts, so
 * users can paste their Docker commands; every malformed value is refused here with a
 * one-line EINVAL naming it, before a port is allocated or a rule is built.
 *
 * Output is one mapping per container port. The host side is one of three things, told
 * apart by type, because the allocator treats them differently:
 *   - a number:       that exact host port ("8080:80", and each port of "8000-8002:80-82");
 *   - a PortRange:    any one free port of the range ("8000-8010:80", Docker's
 *                     "dynamic host port range to allocate into");
 *   - absent:         an ephemeral port ("80", ":80", "127.0.0.1::80").
 *
 * Where this is stricter than Docker (go-connections nat.ParsePortSpec), on purpose:
 *   - port 0 is refused (Docker's parser lets it through; for the host side it means
 *     "ephemeral", which omitting the host port already says);
 *   - an IPv6 host IP must be in brackets: Docker's splitParts accepts "::1:8080:80" by
 *     joining the leading parts, which is ambiguous for addresses ending in a hex group;
 *   - "::80" (an empty host IP before the colon) is refused; ":80" is accepted as Docker does;
 *   - "80-90-100", "+80", "80/tcp/x" and ranges with empty ends are refused.
 * Kept from Docker: "80/" means tcp; the protocol is case-insensitive ("80/UDP" is udp);
 * leading zeros ("080") are decimal; a bracketed IPv4 ("[10.0.0.1]") is accepted.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { familyOf, formatIp, parseIp, type Family } from '../ipam/cidr.js';

const GRAMMAR = '[HOSTIP:][HOSTPORT[-END]:]CTRPORT[-END][/tcp|udp|sctp]';

export const PORT_PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

/** PortRange — inclusive, start < end (a one-port range is given as a plain number). */
export interface PortRange {
  start: number;
  end: number;
}

export interface PortMapping {
  protocol: PortProtocol;
  /** Canonical text (RFC 5952 for IPv6); absent = every host address, like Docker. */
  hostIp?: string;
  /** The family of hostIp; present exactly when hostIp is. */
  hostFamily?: Family;
  /** A fixed port, a range to allocate one port from, or absent for an ephemeral port. */
  hostPort?: number | PortRange;
  containerPort: number;
}

/** parsePortSpec — one -p value to its mappings, expanded per container port. */
export function parsePortSpec(spec: string): PortMapping[] {
  const fail = (why: string): never => {
    throw invalid(`port spec "${spec}": ${why}`);
  };
  if (spec.trim() === '') fail(`is empty; expected ${GRAMMAR}`);

  const { ipText, hostText, ctrText } = splitSpec(spec, fail);
  const { portText, protocol } = splitProtocol(ctrText, fail);

  let host: { hostIp: string; hostFamily: Family } | undefined;
  if (ipText !== undefined) {
    if (ipText === '') fail('the host IP before ":" is empty (use HOSTPORT:CTRPORT or :CTRPORT)');
    try {
      const { family, addr } = parseIp(ipText, 'host IP');
      host = { hostIp: formatIp(family, addr), hostFamily: family };
    } catch (err) {
      fail((err as Error).message);
    }
  }

  const ctr = parseRange(portText, 'container port', fail);
  const hostRange = hostText === undefined || hostText === '' ? undefined : parseRange(hostText, 'host port', fail);
  const ctrLen = ctr.end - ctr.start;
  if (hostRange && hostRange.end - hostRange.start !== ctrLen && ctrLen !== 0) {
    const n = hostRange.end - hostRange.start + 1;
    fail(`host ports "${hostText}" (${n}) and container ports "${portText}" (${ctrLen + 1}) are ranges of unequal length`);
  }

  const out: PortMapping[] = [];
  for (let i = 0; i <= ctrLen; i++) {
    // A single container port with a host range: any one port of the range (Docker's rule).
    const hostPort = !hostRange ? undefined : ctrLen === 0 && hostRange.end !== hostRange.start ? { ...hostRange } : hostRange.start + i;
    out.push({ protocol, ...host, ...(hostPort === undefined ? {} : { hostPort }), containerPort: ctr.start + i });
  }
  return out;
}

/** formatPortMapping — docker ps style: "0.0.0.0:8080->80/tcp", "[::1]:8000-8010->80/udp". */
export function formatPortMapping(m: PortMapping): string {
  const ip = m.hostIp === undefined ? '0.0.0.0' : m.hostFamily === 6 ? `[${m.hostIp}]` : m.hostIp;
  const hp = m.hostPort;
  // An ephemeral port not yet allocated shows as "*", as ss(8) prints a wildcard port.
  const port = hp === undefined ? '*' : typeof hp === 'number' ? String(hp) : `${hp.start}-${hp.end}`;
  return `${ip}:${port}->${m.containerPort}/${m.protocol}`;
}

type Fail = (why: string) => never;

/** splitSpec — [HOSTIP:][HOSTPORT:]CTR; ipText undefined = no IP given, '' = given empty. */
function splitSpec(spec: string, fail: Fail): { ipText?: string; hostText?: string; ctrText: string } {
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    if (close < 0) fail(`the host IP "${spec}" opens "[" without a closing "]"`);
    const ipText = spec.slice(1, close);
    const rest = spec.slice(close + 1);
    if (!rest.startsWith(':')) fail(`expected ":" after "[${ipText}]", found "${rest}"`);
    const parts = rest.slice(1).split(':');
    if (parts.length !== 2) {
      if (parts.length < 2) fail(`a host IP needs a host port part; use "[${ipText}]::${parts[0]}" for an ephemeral port`);
      fail(`too many colons after "[${ipText}]"`);
    }
    return { ipText, hostText: parts[0], ctrText: parts[1] as string };
  }
  const parts = spec.split(':');
  if (parts.length === 1) return { ctrText: spec };
  if (parts.length === 2) return { hostText: parts[0], ctrText: parts[1] as string };
  if (parts.length === 3) return { ipText: parts[0], hostText: parts[1], ctrText: parts[2] as string };
  // More than three parts: an unbracketed IPv6 address, or junk. Name the likely IP.
  for (const drop of [2, 1]) {
    const ip = parts.slice(0, -drop).join(':');
    if (familyOf(ip) === 6) {
      const tail = parts.slice(-drop).join(':');
      fail(`IPv6 host IP "${ip}" must be in brackets, e.g. "[${ip}]:${drop === 2 ? tail : `:${tail}`}"`);
    }
  }
  return fail(`has too many colons (${parts.length - 1}); expected ${GRAMMAR}`);
}

function splitProtocol(text: string, fail: Fail): { portText: string; protocol: PortProtocol } {
  const slash = text.indexOf('/');
  if (slash < 0) return { portText: text, protocol: 'tcp' };
  const portText = text.slice(0, slash);
  const given = text.slice(slash + 1);
  const proto = given === '' ? 'tcp' : given.toLowerCase(); // Docker: "80/" is tcp, "80/UDP" is udp
  if (!(PORT_PROTOCOLS as readonly string[]).includes(proto)) fail(`unknown protocol "${given}" (use tcp, udp or sctp)`);
  return { portText, protocol: proto as PortProtocol };
}

/** parseRange — "80" or "80-90", each end 1-65535, start <= end; a one-port range is fine. */
function parseRange(text: string, what: string, fail: Fail): PortRange {
  if (text === '') fail(`the ${what} is empty`);
  const ends = text.split('-');
  if (ends.length > 2) fail(`${what} range "${text}" has more than one "-"`);
  const [start, end] = ends.map((e) => parsePort(e, text, what, fail)) as [number, number | undefined];
  if (end === undefined) return { start, end: start };
  if (end < start) fail(`${what} range "${text}" is reversed (use ${end}-${start})`);
  return { start, end };
}

function parsePort(text: string, whole: string, what: string, fail: Fail): number {
  const where = text === whole ? `${what} "${text}"` : `${what} "${text}" in "${whole}"`;
  if (!/^\d+$/.test(text)) fail(`${where} is not a number`);
  const n = Number(text);
  if (n < 1 || n > 65535) {
    fail(`${where} is out of range (1-65535)${what === 'host port' && n === 0 ? '; omit the host port for an ephemeral one' : ''}`);
  }
  return n;
}
