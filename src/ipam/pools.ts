/**
 * pools — the address pools `--subnet auto` carves networks from: Docker's local-scope
 * defaults as data, and the validator for user-configured pools (the state root's config).
 * Pure: no I/O; callers pass the configured value in.
 *
 * Why Docker's list exactly: users, compose files and tools such as containerlab expect
 * docker0-style networks at 172.17.0.0/16, 172.18.0.0/16, … then 192.168.0.0/20, …, so
 * tsnet hands out the same subnets in the same order (anchors-features.md d.1, moby
 * libnetwork/ipamutils/utils.go `localScopeDefaultNetworks`). 10.0.0.0/8 is Docker's
 * *global* (Swarm overlay) pool and deliberately not a local one, so it is not here either.
 * @pure
 */
import { formatCidr, mask, overlaps, parseCidr, type Cidr, type Family } from './cidr.js';
import { invalid } from '../core/errors.js';
import { sha256Hex } from '../core/sha256.js';

/** A pool: the range `base` (a network CIDR) split into blocks of prefix length `size`. */
export interface Pool {
  base: string;
  size: number;
}

/** A validated pool: `base` parsed with host bits clear; `index` is its 1-based place in the input. */
export interface ParsedPool {
  family: Family;
  base: Cidr;
  size: number;
  index: number;
}

/**
 * DEFAULT_LOCAL_POOLS — Docker's local-scope default pools, in Docker's own (address) order:
 * 15 × /16 (172.17–172.31) and then 16 × /20 in 192.168.0.0/16. Changing this list changes
 * which subnet new networks get on every host: it breaks upgrades and Docker parity.
 */
export const DEFAULT_LOCAL_POOLS: readonly Readonly<Pool>[] = Object.freeze(
  [
    { base: '172.17.0.0/16', size: 16 },
    { base: '172.18.0.0/16', size: 16 },
    { base: '172.19.0.0/16', size: 16 },
    { base: '172.20.0.0/14', size: 16 },
    { base: '172.24.0.0/14', size: 16 },
    { base: '172.28.0.0/14', size: 16 },
    { base: '192.168.0.0/16', size: 20 },
  ].map((p) => Object.freeze(p)),
);

/**
 * MAX_SUBNET_PREFIX — the longest prefix a network may have: an IPv4 /30 still holds a
 * gateway and one guest besides the network and broadcast addresses; for IPv6 a /126
 * (address 0 is the subnet-router anycast address).
 */
export const MAX_SUBNET_PREFIX: Readonly<Record<Family, number>> = Object.freeze({ 4: 30, 6: 126 });

/** Ranges no bridge network can live in: the kernel treats them specially. */
const SPECIAL_RANGES: ReadonlyArray<{ cidr: Cidr; text: string; what: string }> = ([
  ['0.0.0.0/8', '"this network"'],
  ['127.0.0.0/8', 'loopback'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (class E and broadcast)'],
  ['::/127', 'unspecified/loopback'],
  ['::ffff:0.0.0.0/96', 'IPv4-mapped'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
] as Array<[string, string]>).map(([text, what]) => ({ cidr: parseCidr(text), text, what }));

/** specialRange — the special-purpose range `c` overlaps, as "loopback range 127.0.0.0/8", if any. */
export function specialRange(c: Cidr): string | undefined {
  const hit = SPECIAL_RANGES.find((r) => overlaps(r.cidr, c));
  return hit ? `${hit.what} range ${hit.text}` : undefined;
}

/** hostBitsSet — whether the address of `c` has bits set below its prefix. */
export function hostBitsSet(c: Cidr): boolean {
  return (c.addr & mask(c)) !== c.addr;
}

/** formatPool — "192.168.0.0/16 as /20", the form used in messages. */
export function formatPool(p: Pool | ParsedPool): string {
  const base = typeof p.base === 'string' ? p.base : formatCidr(p.base);
  return `${base} as /${p.size}`;
}

/**
 * parsePools — validates a configured pool list (for example the parsed JSON of the state
 * root's config) and returns it canonical and sorted. Every error is one EINVAL line naming
 * the entry and the bad value. Rules:
 * - a non-empty list of `{ "base": CIDR, "size": N }` objects, no other keys (catches "Size");
 * - `base` is a network address (host bits set is refused with the fix, as Docker refuses
 *   `--subnet 10.1.1.1/16`), outside loopback/multicast/reserved ranges;
 * - base prefix ≤ size ≤ 30 for IPv4 (126 for IPv6): Docker rejects size < base prefix too;
 * - pools must not overlap. Docker instead drops the later of two overlapping pools
 *   silently; a config mistake is better reported than half-ignored.
 * Sorting follows Docker (`newAddrSpace` sorts pools by base address): selection takes the
 * lowest free block by address, whatever order the config lists the pools in.
 */
export function parsePools(value: unknown, what = 'address pools'): Pool[] {
  if (!Array.isArray(value)) {
    throw invalid(`${what} must be a list of {"base": CIDR, "size": prefix length}, got ${show(value)}`);
  }
  if (value.length === 0) throw invalid(`${what} is an empty list; give at least one {"base", "size"} pool or remove the setting`);
  return compilePools(value, what).map((p) => ({ base: formatCidr(p.base), size: p.size }));
}

/** compilePools — the checks of parsePools, returning parsed pools sorted by family and address. */
export function compilePools(list: readonly unknown[], what = 'address pools'): ParsedPool[] {
  const parsed = list.map((entry, i) => parseOne(entry, i + 1, what));
  parsed.sort((a, b) => a.family - b.family || cmp(a.base.addr, b.base.addr) || a.base.prefix - b.base.prefix);
  // CIDR blocks nest or are disjoint, so once sorted by address the first overlap is always
  // between neighbours.
  for (let i = 1; i < parsed.length; i++) {
    const a = parsed[i - 1] as ParsedPool;
    const b = parsed[i] as ParsedPool;
    if (overlaps(a.base, b.base)) {
      const [first, second] = a.index < b.index ? [a, b] : [b, a];
      throw invalid(
        `${what}: pool #${second.index} (${formatCidr(second.base)}) overlaps pool #${first.index} (${formatCidr(first.base)}); remove or shrink one of them`,
      );
    }
  }
  return parsed;
}

function parseOne(entry: unknown, index: number, what: string): ParsedPool {
  const where = `${what}: pool #${index}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw invalid(`${where} must be {"base": CIDR, "size": prefix length}, got ${show(entry)}`);
  }
  const keys = Object.keys(entry);
  const extra = keys.find((k) => k !== 'base' && k !== 'size');
  if (extra !== undefined) throw invalid(`${where} has unknown key "${extra}"; only "base" and "size" are allowed`);
  const { base: baseText, size } = entry as { base?: unknown; size?: unknown };
  if (typeof baseText !== 'string') throw invalid(`${where} needs "base" as a CIDR string, got ${show(baseText)}`);
  const base = parseCidr(baseText, `${where} base`);
  if (hostBitsSet(base)) {
    const fixed = formatCidr({ ...base, addr: base.addr & mask(base) });
    throw invalid(`${where} base "${baseText}" has host bits set; did you mean ${fixed}?`);
  }
  const special = specialRange(base);
  if (special) throw invalid(`${where} base "${baseText}" overlaps the ${special}, which cannot hold networks`);
  const max = MAX_SUBNET_PREFIX[base.family];
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw invalid(`${where} needs "size" as a whole prefix length (${base.prefix}-${max} for ${baseText}), got ${show(size)}`);
  }
  if (size < base.prefix || size > max) {
    throw invalid(`${where} size ${size} is out of range for base ${baseText}: it must be ${base.prefix}-${max} (at least the base prefix, at most /${max} for IPv${base.family})`);
  }
  return { family: base.family, base, size, index };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** show — a short, one-line rendering of a bad config value for messages. */
function show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * ulaPool — the IPv6 pool `--ipv6` without `--subnet6` carves /64s from: an RFC 4193 unique
 * local /48 (fd + a 40-bit global ID) derived from the state root's id, so every tsnet host
 * gets its own ULA prefix (two labs joined later do not collide) and it is stable across runs.
 * Changing the derivation moves every auto IPv6 network: it breaks upgrades.
 */
export function ulaPool(seed: string): Pool {
  const id = sha256Hex(`ula\0${seed}`).slice(0, 10);
  return { base: formatCidr(parseCidr(`fd${id.slice(0, 2)}:${id.slice(2, 6)}:${id.slice(6, 10)}::/48`)), size: 64 };
}
