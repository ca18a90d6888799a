/**
 * obstacles — what a new network's subnet must not overlap, gathered by the caller from the
 * host (on-link routes, interface addresses, resolv.conf nameservers) and from state (the
 * subnets tsnet already holds), turned into sorted address ranges with a description for
 * messages. Shared by selectSubnet and checkExplicitSubnet. Pure: callers pass everything in.
 * @pure
 */
import { bits, formatCidr, formatIp, network, parseCidr, parseIp, type Family } from './cidr.js';

export type ObstacleKind = 'route' | 'address' | 'nameserver' | 'held';

/**
 * One route, address or held subnet: a CIDR string, or the CIDR with a name for messages
 * (the interface of a route or address, the network that holds a subnet). A held subnet may
 * name its network's bridge: that bridge's own routes and addresses inside the subnet are
 * the network itself, so messages name the network once instead of three times.
 */
export type ObstacleSpec = string | { cidr: string; name?: string | undefined; bridge?: string | undefined };

export interface HostObstacles {
  /**
   * Destinations of on-link (scope link) routes in the host's main table, e.g.
   * "172.17.0.0/16". Default routes (prefix 0) are ignored: they cover everything and say
   * nothing about which subnets are in use (Docker ignores them too).
   */
  routes?: readonly ObstacleSpec[];
  /** Addresses on host interfaces with their prefix: "10.0.2.15/24" keeps out all of 10.0.2.0/24. */
  addresses?: readonly ObstacleSpec[];
  /** Nameserver IPs (see parseResolvConf); a block containing one is skipped. */
  nameservers?: readonly string[];
  /** Subnets tsnet already holds, from state. */
  held?: readonly ObstacleSpec[];
}

/** A compiled obstacle: the inclusive address range [start, end] and where it came from. */
export interface Obstacle {
  kind: ObstacleKind;
  family: Family;
  start: bigint;
  end: bigint;
  /** The range as a canonical CIDR (the network of an interface address). */
  cidr: string;
  /** The value as given, canonicalised (keeps an address's host bits). */
  given: string;
  name: string | undefined;
  /** held: the bridge of the network that holds it, when the caller said. */
  bridge?: string | undefined;
}

const WHAT: Record<ObstacleKind, string> = {
  route: 'on-link route',
  address: 'host address',
  nameserver: 'nameserver',
  held: 'subnet held by tsnet',
};

/** Kind order for ties, so that diagnostics are deterministic. */
const RANK: Record<ObstacleKind, number> = { route: 0, address: 1, nameserver: 2, held: 3 };

/**
 * compileObstacles — the obstacles of one family of the given kinds, sorted by start address
 * (then widest first). Malformed input is an EINVAL naming the value and what it was.
 */
export function compileObstacles(
  o: HostObstacles,
  family: Family,
  kinds: readonly ObstacleKind[] = ['route', 'address', 'nameserver', 'held'],
): Obstacle[] {
  const out: Obstacle[] = [];
  const width = BigInt(bits(family));
  const add = (kind: ObstacleKind, spec: ObstacleSpec): void => {
    const text = typeof spec === 'string' ? spec : spec.cidr;
    const name = typeof spec === 'string' ? undefined : spec.name;
    const bridge = kind === 'held' && typeof spec !== 'string' ? spec.bridge : undefined;
    let c;
    if (kind === 'nameserver') {
      // A zone index (fe80::1%eth0) is dropped, as Docker does.
      const ip = parseIp(text.replace(/%.*$/, ''), WHAT[kind]);
      c = { family: ip.family, addr: ip.addr, prefix: bits(ip.family) };
    } else {
      c = parseCidr(text, WHAT[kind]);
    }
    if (c.family !== family) return;
    if (kind === 'route' && c.prefix === 0) return;
    const net = network(c);
    const end = net.addr + (1n << (width - BigInt(net.prefix))) - 1n;
    const given = kind === 'nameserver' ? formatIp(c.family, c.addr) : formatCidr(c);
    out.push({ kind, family, start: net.addr, end, cidr: formatCidr(net), given, name, ...(bridge ? { bridge } : {}) });
  };
  if (kinds.includes('route')) for (const s of o.routes ?? []) add('route', s);
  if (kinds.includes('address')) for (const s of o.addresses ?? []) add('address', s);
  if (kinds.includes('nameserver')) for (const s of o.nameservers ?? []) add('nameserver', s);
  if (kinds.includes('held')) for (const s of o.held ?? []) add('held', s);
  // A held network's bridge route and address (inside its subnet) are that network itself.
  const nets = out.filter((x) => x.kind === 'held' && x.bridge);
  const own = (x: Obstacle): boolean => (x.kind === 'route' || x.kind === 'address')
    && nets.some((h) => h.bridge === x.name && x.start >= h.start && x.end <= h.end);
  const kept = nets.length > 0 ? out.filter((x) => !own(x)) : out;
  kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : RANK[a.kind] - RANK[b.kind]));
  return kept;
}

/**
 * describeObstacle — how messages name an obstacle: "on-link route 172.17.0.0/16 dev eth0",
 * "host address 10.0.2.15/24 on eth0 (network 10.0.2.0/24)", "nameserver 192.168.1.1",
 * "tsnet network lab (172.18.0.0/16)".
 */
export function describeObstacle(o: Obstacle): string {
  switch (o.kind) {
    case 'route':
      return `on-link route ${o.cidr}${o.name ? ` dev ${o.name}` : ''}`;
    case 'address': {
      const net = o.given === o.cidr ? '' : ` (network ${o.cidr})`;
      return `host address ${o.given}${o.name ? ` on ${o.name}` : ''}${net}`;
    }
    case 'nameserver':
      return `nameserver ${o.given}`;
    case 'held':
      return o.name ? `tsnet network ${o.name} (${o.cidr})` : `subnet ${o.cidr} held by tsnet`;
  }
}
