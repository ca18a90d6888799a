/**
 * server-config — `network create --dhcp-server` options, parsed and checked against the
 * network's subnet before anything is made: the range (default: the upper half of the
 * subnet, so it never meets tsnet's own allocations, which go upwards from the bottom),
 * lease time (1h, 30m, 90s), DNS servers, reservations MAC=IP. Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { ipNum, numIp, type ServerConfig } from './server-logic.js';

export interface DhcpServerSpec {
  range?: string | undefined;
  lease?: string | undefined;
  dns: string[];
  hosts: string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function ip(text: string, what: string): string {
  if (!IPV4.test(text)) throw invalid(`${what} "${text}" is not an IPv4 address`);
  return text;
}

/** parseDuration — "3600", "90s", "30m", "1h", "1d" → seconds (at least 10). */
export function parseDuration(text: string, what = '--lease'): number {
  const m = /^(\d+)([smhd]?)$/.exec(text);
  const secs = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!Number.isFinite(secs) || secs < 10 || secs > 0xffffffff) throw invalid(`${what} "${text}" must be a duration of at least 10s, e.g. 90s, 30m, 1h`);
  return secs;
}

/** checkServerSpec — the syntax of the flags, before the subnet is known. */
export function checkServerSpec(spec: DhcpServerSpec): void {
  if (spec.range !== undefined) {
    const [a, b, extra] = spec.range.split('-');
    if (!a || !b || extra !== undefined) throw invalid(`--dhcp-range "${spec.range}" must be FIRST-LAST, e.g. 10.1.0.100-10.1.0.200`);
    ip(a, '--dhcp-range start'); ip(b, '--dhcp-range end');
    if (ipNum(a) > ipNum(b)) throw invalid(`--dhcp-range "${spec.range}" ends before it starts`);
  }
  if (spec.lease !== undefined) parseDuration(spec.lease);
  for (const d of spec.dns) ip(d, '--dhcp-dns');
  for (const h of spec.hosts) {
    const eq = h.lastIndexOf('=');
    if (eq < 0 || !MAC.test(h.slice(0, eq).toLowerCase())) throw invalid(`--dhcp-host "${h}" must be MAC=IP, e.g. 02:42:ac:11:00:05=10.1.0.5`);
    ip(h.slice(eq + 1), '--dhcp-host address');
  }
}

/** serverConfig — the config for a network with this subnet, gateway and MTU; EINVAL when the range or a reservation lies outside it. */
export function serverConfig(spec: DhcpServerSpec, subnet: string, gateway: string, mtu: number): ServerConfig {
  checkServerSpec(spec);
  const [base, len] = subnet.split('/');
  const prefix = Number(len);
  const size = 2 ** (32 - prefix);
  const first = ipNum(base!) - (ipNum(base!) % size);
  if (prefix > 30) throw invalid(`subnet ${subnet} is too small for a DHCP server`);
  const inside = (x: string): boolean => ipNum(x) > first && ipNum(x) < first + size - 1;
  let [start, end] = spec.range ? spec.range.split('-') as [string, string] : [numIp(first + size / 2), numIp(first + size - 2)];
  if (!inside(start) || !inside(end)) throw invalid(`--dhcp-range "${spec.range}" is not inside subnet ${subnet}`);
  const reservations: Record<string, string> = {};
  for (const h of spec.hosts) {
    const eq = h.lastIndexOf('=');
    const addr = h.slice(eq + 1);
    if (!inside(addr) || addr === gateway) throw invalid(`--dhcp-host "${h}": ${addr} is not a usable address of ${subnet}`);
    reservations[h.slice(0, eq).toLowerCase()] = addr;
  }
  if (ipNum(gateway) === ipNum(start)) start = numIp(ipNum(start) + 1);
  if (ipNum(gateway) === ipNum(end)) end = numIp(ipNum(end) - 1);
  return {
    serverIp: gateway, prefix, rangeStart: start, rangeEnd: end, leaseSecs: spec.lease ? parseDuration(spec.lease) : 3600,
    routers: [gateway], dns: spec.dns, mtu, reservations,
  };
}
