/**
 * proc-net — the sockets that hold ports, from /proc/net/{tcp,tcp6,udp,udp6} text (what
 * `ss -ltun` reads), or for TCP from sock_diag's answer. Pure: the caller reads them. One read answers "is this host port
 * taken?" for any number of ports, where binding each to find out cost ~0.1 ms a port.
 * Addresses are the kernel's %08X words in host byte order (little-endian here).
 * @pure
 */
import type { DiagSocket } from '../netlink/sock-diag.js';

/**
 * A socket holding a port: IPv4 address (or '0.0.0.0' for any, including a dual-stack '::'),
 * and its inode (what /proc/PID/fd links name as socket:[inode], to tell whose it is).
 */
export interface BoundSocket { ip: string; port: number; inode: number }

const TCP_LISTEN = '0A';

function ipv4FromWord(hex: string): string {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** addressOf — the IPv4 view of a local address, or undefined for an IPv6-only one. */
function addressOf(hex: string): string | undefined {
  if (hex.length === 8) return ipv4FromWord(hex);
  if (/^0{32}$/.test(hex)) return '0.0.0.0'; // [::] also takes IPv4 unless v6only
  // ::ffff:a.b.c.d — words 0-1 zero, word 2 printed FFFF0000 (bytes 00 00 ff ff, little-endian)
  if (hex.slice(0, 16) === '0'.repeat(16) && hex.slice(16, 24).toUpperCase() === 'FFFF0000') return ipv4FromWord(hex.slice(24));
  return undefined;
}

/**
 * boundSockets — the sockets of one /proc/net table that keep a port from being bound:
 * listening ones for TCP (Node listens with SO_REUSEADDR, so other states do not), all for UDP.
 */
export function boundSockets(table: string, protocol: 'tcp' | 'udp'): BoundSocket[] {
  return table.split('\n').slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || (protocol === 'tcp' && f[3] !== TCP_LISTEN)) return [];
    const [addr, port] = f[1]!.split(':');
    const ip = addressOf(addr ?? '');
    return ip === undefined || port === undefined ? [] : [{ ip, port: parseInt(port, 16), inode: Number(f[9]) }];
  });
}

/**
 * boundFromDiag — sock_diag's listening TCP sockets (netlink/sock-diag.ts) in the same form:
 * IPv4, a dual-stack [::] as any, v4-mapped addresses as IPv4, IPv6-only ones left out.
 */
export function boundFromDiag(list: readonly DiagSocket[]): BoundSocket[] {
  return list.flatMap((s) => {
    const ip = s.family === 4 ? [...s.addr].join('.') : v4ViewOf(s.addr);
    return ip === undefined ? [] : [{ ip, port: s.port, inode: s.inode }];
  });
}

function v4ViewOf(addr: Buffer): string | undefined {
  if (addr.every((b) => b === 0)) return '0.0.0.0';
  const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  return mapped ? [...addr.subarray(12)].join('.') : undefined;
}

/** holds — whether a socket on `s` keeps hostIp:port (either side a wildcard, or equal). */
export function holds(s: Pick<BoundSocket, 'ip' | 'port'>, hostIp: string, port: number): boolean {
  return s.port === port && (s.ip === '0.0.0.0' || hostIp === '0.0.0.0' || s.ip === hostIp);
}
