/**
 * reach — which node should reach which, from the model alone (pure), and the address to
 * probe for each ordered pair. Two nodes reach each other over an L2 segment they share (one
 * host's bridge, a VXLAN overlay, a point-to-point link), or through their gateways when
 * both hosts route to each other's addresses: the same host, or the static routes of the
 * lab (subnet routes, or /32 routes for a stretched subnet). A link that is down breaks
 * every path over it.
 * @pure
 */
import { contains, parseCidr as parseCidrOnce, parseIp as parseIpOnce, type Cidr } from '../ipam/cidr.js';
import type { LabModel } from './model.js';

export interface NodeAddress {
  node: string;
  host: string;
  ip: string;
  cidr: string;
  /** The L2 segment: `br:HOST:BRIDGE`, `vni:N` or `p2p:LINK`. */
  segment: string;
  link: string;
  gateway: string | undefined;
}

export interface PairPlan { from: string; to: string; ip: string; expected: boolean }

export function nodeAddresses(m: LabModel): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const l of m.links) {
    if (l.kind === 'attach') {
      const a = l.attach!;
      const net = m.networks.find((n) => n.host === a.host && n.bridge === a.bridge)!;
      for (const cidr of a.cidrs) {
        out.push({ node: a.node, host: a.host, ip: cidr.split('/')[0]!, cidr, segment: net.vxlan ? `vni:${net.vxlan.vni}` : `br:${a.host}:${a.bridge}`, link: l.name, gateway: a.gateway });
      }
    } else if (l.kind === 'p2p') {
      for (const e of l.ends) if (e.cidr) out.push({ node: e.owner, host: l.hosts[0]!, ip: e.cidr.split('/')[0]!, cidr: e.cidr, segment: `p2p:${l.name}`, link: l.name, gateway: undefined });
    }
  }
  return out;
}

/** pairPlans — every ordered pair of nodes in scope that has an address to probe. */
export function pairPlans(m: LabModel, linksDown: readonly string[], nodesInScope?: readonly string[]): PairPlan[] {
  // Parsed once: an 80-node lab asks about the same few hundred addresses 6320 times.
  const cidrs = new Map<string, Cidr>();
  const parseCidr = (t: string): Cidr => { let c = cidrs.get(t); if (!c) cidrs.set(t, (c = parseCidrOnce(t))); return c; };
  const ips = new Map<string, { addr: bigint }>();
  const parseIp = (t: string): { addr: bigint } => { let a = ips.get(t); if (!a) ips.set(t, (a = parseIpOnce(t))); return a; };
  const addrs = nodeAddresses(m);
  const addrsOf = new Map<string, NodeAddress[]>();
  for (const a of addrs) addrsOf.set(a.node, [...(addrsOf.get(a.node) ?? []), a]);
  const routesBetween = new Map<string, Cidr[]>();
  for (const r of m.routes) routesBetween.set(`${r.host}>${r.to}`, [...(routesBetween.get(`${r.host}>${r.to}`) ?? []), parseCidr(r.dst)]);
  const defaultLink = new Map<string, string>();
  for (const l of m.links) if (l.kind === 'attach' && l.attach!.gateway !== undefined) defaultLink.set(l.attach!.node, l.name);
  const down = new Set(linksDown);
  const underlayDown = (a: string, b: string): boolean => {
    if (a === b) return false;
    const ha = m.hosts.find((h) => h.name === a)!;
    return ha.underlay.link === undefined || down.has(ha.underlay.link);
  };
  const vniPeers = (vni: string, a: string, b: string): boolean => {
    if (a === b) return true;
    const n = m.networks.find((x) => x.host === a && x.vxlan && `vni:${x.vxlan.vni}` === vni);
    return !!n?.vxlan?.remotes.some((r) => r.host === b) && !underlayDown(a, b);
  };
  const sameSegment = (x: NodeAddress, y: NodeAddress): boolean =>
    x.segment === y.segment && !down.has(x.link) && !down.has(y.link) && (!x.segment.startsWith('vni:') || (vniPeers(x.segment, x.host, y.host) && vniPeers(y.segment, y.host, x.host)));
  const routesTo = (from: string, to: string, ip: string): boolean => {
    if (from === to) return true;
    if (underlayDown(from, to)) return false;
    const { addr } = parseIp(ip);
    return (routesBetween.get(`${from}>${to}`) ?? []).some((c) => contains(c, 4, addr));
  };
  /** egress — the address a node's packets to ip leave with: on-link if it has one, else its default route's. */
  const egress = (node: string, ip: string): NodeAddress | undefined => {
    const mine = (addrsOf.get(node) ?? []).filter((a) => !down.has(a.link));
    const { addr } = parseIp(ip);
    const onLink = mine.find((a) => contains(parseCidr(a.cidr), 4, addr));
    if (onLink) return onLink;
    const gw = defaultLink.get(node);
    return gw ? mine.find((a) => a.link === gw) : undefined;
  };
  /** oneWay — x's packet to y.ip arrives: same segment, or via x's bridge and host routing to y's host. */
  const oneWay = (x: NodeAddress | undefined, y: NodeAddress): boolean => {
    if (!x) return false;
    if (sameSegment(x, y)) return true;
    if (x.segment.startsWith('p2p:') || y.segment.startsWith('p2p:')) return false;
    // Routed: x leaves through its host (by its gateway, or by proxy ARP on a stretched subnet).
    const viaHost = x.gateway !== undefined || contains(parseCidr(x.cidr), 4, parseIp(y.ip).addr);
    const yNet = m.networks.find((n) => y.segment === `br:${n.host}:${n.bridge}`);
    return viaHost && yNet?.gatewayCidr !== undefined && routesTo(x.host, y.host, y.ip);
  };
  const names = nodesInScope ?? m.nodes.map((n) => n.name);
  const out: PairPlan[] = [];
  for (const from of names) {
    for (const to of m.nodes.map((n) => n.name)) {
      if (from === to) continue;
      const targets = addrsOf.get(to) ?? [];
      if (targets.length === 0) continue;
      const reachable = targets.filter((y) => {
        const x = egress(from, y.ip);
        const back = x && egress(to, x.ip);
        return x !== undefined && oneWay(x, y) && back !== undefined && (sameSegment(back, x) || oneWay(back, x));
      });
      out.push({ from, to, ip: (reachable[0] ?? targets[0]!).ip, expected: reachable.length > 0 });
    }
  }
  return out;
}
