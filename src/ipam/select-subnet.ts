/**
 * select-subnet — choosing a network's subnet without colliding with the host: the
 * `--subnet auto` picker (docker0-style, lowest free block first) and the check for an
 * explicit `--subnet`. Pure: the caller gathers routes, addresses, nameservers and held
 * subnets (HostObstacles) and passes them in; nothing here reads the kernel or state.
 *
 * Why: subnets colliding with VPNs and LANs are the top complaint about Docker's bridge.
 * Docker reserves nameservers and on-link routes only; tsnet also avoids every host interface
 * address (as netavark does: an address without a connected route is still in use) and
 * refuses an explicit subnet that overlaps the host, where Docker silently accepts it.
 * @pure
 */
import { TsnetError, invalid } from '../core/errors.js';
import { bits, formatCidr, mask, parseCidr, type Cidr, type Family } from './cidr.js';
import { compileObstacles, describeObstacle, type HostObstacles, type Obstacle, type ObstacleKind } from './obstacles.js';
import { DEFAULT_LOCAL_POOLS, MAX_SUBNET_PREFIX, compilePools, formatPool, hostBitsSet, specialRange, type Pool } from './pools.js';

export type { HostObstacles, ObstacleKind, ObstacleSpec } from './obstacles.js';

export interface SelectSubnetInput extends HostObstacles {
  /** Address family to allocate from; default 4. */
  family?: Family;
  /** Pools in the config's form; default DEFAULT_LOCAL_POOLS. Validated and sorted as parsePools does. */
  pools?: readonly Pool[];
  /**
   * Block size override, like Docker's `--subnet 0.0.0.0/24`: every pool whose base is at
   * least this large is split into blocks of this prefix length; smaller pools are skipped.
   */
  size?: number;
}

/** Consecutive candidate blocks skipped because of one obstacle. */
export interface SkippedBlocks {
  /** The first block skipped, as a CIDR. */
  first: string;
  /** How many consecutive blocks of that size were skipped (all overlap the obstacle). */
  blocks: number;
  kind: ObstacleKind;
  /** The obstacle's range as a CIDR. */
  obstacle: string;
  /** The obstacle as messages name it, e.g. "on-link route 172.17.0.0/16 dev eth0". */
  reason: string;
}

export interface SubnetChoice {
  /** The chosen subnet, canonical CIDR (network address). */
  subnet: string;
  /** The pool it came from, canonical. */
  pool: Pool;
  /** Why lower blocks were passed over: one record per jump, so its length is bounded by pools + obstacles. */
  skipped: SkippedBlocks[];
}

/**
 * selectSubnet — the lowest-addressed free block from the pools (sorted by address, as
 * Docker does), skipping blocks that overlap any on-link route, host address network,
 * nameserver or held subnet. It never enumerates blocks one by one: when a candidate overlaps
 * obstacles it jumps to the first block boundary past the furthest-reaching of them, so a
 * 10.0.0.0/8 pool in /30 steps costs O(obstacles), not 4 million tests.
 * Throws ECONFLICT naming the pools tried (and the main obstacles) when nothing is free.
 */
export function selectSubnet(input: SelectSubnetInput = {}): SubnetChoice {
  const family = input.family ?? 4;
  const pools = compilePools(input.pools ?? DEFAULT_LOCAL_POOLS).filter((p) => p.family === family);
  if (pools.length === 0) {
    throw invalid(`no IPv${family} address pools are configured; give the subnet explicitly or add an IPv${family} pool`);
  }
  if (input.size !== undefined) {
    const max = MAX_SUBNET_PREFIX[family];
    if (!Number.isInteger(input.size) || input.size < 1 || input.size > max) {
      throw invalid(`subnet size /${input.size} is out of range: it must be 1-${max} for IPv${family}`);
    }
    if (!pools.some((p) => p.base.prefix <= (input.size as number))) {
      throw invalid(`no IPv${family} address pool can hold a /${input.size}: the pools are ${pools.map(formatPool).join(', ')}`);
    }
  }
  const obstacles = compileObstacles(input, family);
  const width = bits(family);
  const skipped: SkippedBlocks[] = [];
  for (const pool of pools) {
    const size = input.size ?? pool.size;
    if (pool.base.prefix > size) continue;
    const shift = BigInt(width - size);
    const blockLen = 1n << shift;
    const poolStart = pool.base.addr;
    const poolEnd = poolStart + (1n << BigInt(width - pool.base.prefix)) - 1n;
    const obs = obstacles.filter((o) => o.end >= poolStart && o.start <= poolEnd);
    // Sweep: obs is sorted by start and candidates only move up, so each obstacle is looked
    // at once. An obstacle is consumed when it starts at or before the candidate's end; it is
    // then either already behind the candidate, or it overlaps and the jump below passes it.
    // after(o): the jump target, the first block boundary past the obstacle's last address.
    const after = (o: Obstacle): bigint => ((o.end + blockLen) >> shift) << shift;
    let i = 0;
    for (let c = poolStart; c + blockLen - 1n <= poolEnd; ) {
      const ce = c + blockLen - 1n;
      // The overlapping obstacle that sends the candidate furthest; on a tie the first in
      // sort order, so that diagnostics name the widest, then the route before the rest.
      let worst: Obstacle | undefined;
      let next = c;
      for (; i < obs.length && (obs[i] as Obstacle).start <= ce; i++) {
        const o = obs[i] as Obstacle;
        if (o.end >= c && after(o) > next) {
          worst = o;
          next = after(o);
        }
      }
      const cidr = formatCidr({ family, addr: c, prefix: size });
      if (worst === undefined) {
        return { subnet: cidr, pool: { base: formatCidr(pool.base), size: pool.size }, skipped };
      }
      const stop = next < poolEnd + 1n ? next : poolEnd + 1n;
      skipped.push({ first: cidr, blocks: Number((stop - c) >> shift), kind: worst.kind, obstacle: worst.cidr, reason: describeObstacle(worst) });
      c = next;
    }
  }
  const tried = pools.filter((p) => p.base.prefix <= (input.size ?? p.size)).map((p) => formatPool({ ...p, size: input.size ?? p.size }));
  throw exhausted(family, tried, input.size, skipped);
}

function exhausted(family: Family, tried: string[], size: number | undefined, skipped: SkippedBlocks[]): TsnetError {
  // Name the obstacles that blocked the most blocks first: usually one VPN route or LAN.
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + s.blocks);
  const reasons = [...byReason.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r);
  const shown = reasons.slice(0, 3).join(', ') + (reasons.length > 3 ? ` and ${reasons.length - 3} more` : '');
  const sized = size === undefined ? '' : ` /${size}`;
  return new TsnetError(
    'ECONFLICT',
    `no free${sized} IPv${family} subnet left in the address pools ${tried.join(', ')}: every block overlaps ${shown || 'something'}; ` +
      'remove unused networks, give --subnet explicitly, or configure more address pools',
    { pools: tried, skipped },
  );
}

export interface ExplicitSubnetOptions {
  /** How messages name the value, e.g. "--subnet" or "--bip"; default "subnet". */
  what?: string;
  /**
   * 'reject' (default): a subnet with host bits set ("10.1.1.1/16") is an EINVAL suggesting
   * the network, as Docker's `network create --subnet` refuses it ("it should be 10.1.0.0/16"):
   * the user may have meant a gateway. 'normalise': accepted and reduced to its network, for
   * options whose address part means something, like `--bip 172.17.0.1/16` (the gateway).
   */
  hostBits?: 'reject' | 'normalise';
}

/**
 * checkExplicitSubnet — validates a user-given subnet and refuses (ECONFLICT) one that
 * overlaps an on-link route, a host address's network or a subnet tsnet already holds,
 * naming every conflict. Docker only checks its own networks; a silent overlap with the LAN
 * or a VPN is the failure users report. Nameservers are not checked: an explicit subnet may
 * deliberately hold the host's resolver (a DNS container the host points at), and Docker
 * does not check them either. The caller must leave out the network's own bridge address
 * and held row when re-creating a network. Returns the canonical network CIDR.
 */
export function checkExplicitSubnet(subnet: string, obstacles: HostObstacles, opts: ExplicitSubnetOptions = {}): string {
  const what = opts.what ?? 'subnet';
  const c = parseCidr(subnet, what);
  const net: Cidr = { family: c.family, addr: c.addr & mask(c), prefix: c.prefix };
  if (hostBitsSet(c) && (opts.hostBits ?? 'reject') === 'reject') {
    throw invalid(`${what} "${subnet}" has host bits set; did you mean ${formatCidr(net)}?`);
  }
  const max = MAX_SUBNET_PREFIX[c.family];
  if (c.prefix > max) {
    throw invalid(`${what} "${subnet}" is too small for a network: the prefix must be at most /${max} for IPv${c.family}`);
  }
  const special = specialRange(net);
  if (special) throw invalid(`${what} "${subnet}" overlaps the ${special}, which cannot hold networks`);
  const start = net.addr;
  const end = start + (1n << BigInt(bits(c.family) - c.prefix)) - 1n;
  const conflicts = compileObstacles(obstacles, c.family, ['route', 'address', 'held']).filter((o) => o.start <= end && o.end >= start);
  const text = formatCidr(net);
  if (conflicts.length > 0) {
    const named = conflicts.slice(0, 3).map(describeObstacle).join(', ') + (conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '');
    throw new TsnetError('ECONFLICT', `${what} ${text} overlaps ${named}; choose a subnet that does not, or use --subnet auto`, {
      subnet: text,
      conflicts: conflicts.map((o) => ({ kind: o.kind, cidr: o.cidr, name: o.name })),
    });
  }
  return text;
}
