/**
 * cidr — pure IPv4/IPv6 address and prefix math on BigInt. No dependencies, because it is
 * on the start-up path of every attach; node:net's isIP does the syntax check.
 * @pure
 */
import { isIPv4, isIPv6 } from 'node:net';
import { invalid } from '../core/errors.js';

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** The address as given (host bits kept), as a number. */
  addr: bigint;
  prefix: number;
}

export function familyOf(ip: string): Family | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

export function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** parseIp — address text to BigInt; throws a one-line error naming the value. */
export function parseIp(text: string, what = 'IP address'): { family: Family; addr: bigint } {
  const family = familyOf(text);
  if (!family) throw invalid(`${what} "${text}" is not a valid IPv4 or IPv6 address`);
  // node:net accepts a zone index (fe80::1%eth0); it has no meaning here and parseV6 would
  // silently drop it, or throw a RangeError for "fe80::%1".
  if (text.includes('%')) throw invalid(`${what} "${text}" has a zone index (%...); give the address without it`);
  return { family, addr: family === 4 ? parseV4(text) : parseV6(text) };
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint {
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4?.[1]) {
    const n = parseV4(v4[1]);
    s = `${s.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** formatIp — canonical text (RFC 5952 for IPv6: lower case, longest zero run as ::). */
export function formatIp(family: Family, addr: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((addr >> s) & 0xffn).toString()).join('.');
  }
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted tail (as iproute2 prints them).
  if (addr >> 32n === 0xffffn) return `::ffff:${formatIp(4, addr & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** parseCidr — "10.0.0.2/24" or "fd00::2/64"; the prefix is required. */
export function parseCidr(text: string, what = 'address'): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw invalid(`${what} "${text}" needs a prefix length, e.g. ${text}/24`);
  const ipText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const { family, addr } = parseIp(ipText, what);
  const prefix = Number(lenText);
  if (!/^\d{1,3}$/.test(lenText) || prefix > bits(family)) {
    throw invalid(`${what} "${text}" has an invalid prefix length "${lenText}" (0-${bits(family)} for IPv${family})`);
  }
  return { family, addr, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.addr)}/${c.prefix}`;
}

export function mask(c: Pick<Cidr, 'family' | 'prefix'>): bigint {
  const width = BigInt(bits(c.family));
  return ((1n << BigInt(c.prefix)) - 1n) << (width - BigInt(c.prefix));
}

/** network — the CIDR with host bits cleared. */
export function network(c: Cidr): Cidr {
  return { family: c.family, addr: c.addr & mask(c), prefix: c.prefix };
}

/** contains — whether ip (same family) lies inside the subnet of c. */
export function contains(c: Cidr, family: Family, ip: bigint): boolean {
  return c.family === family && (ip & mask(c)) === (c.addr & mask(c));
}

/** overlaps — whether two subnets share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask({ family: a.family, prefix: p });
  return (a.addr & m) === (b.addr & m);
}
