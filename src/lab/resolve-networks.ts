/**
 * resolve-networks — a lab's networks resolved (pure): explicit subnets checked against each
 * other and the underlay (overlaps only where routing allows them: the same subnet on several
 * hosts is "stretched"), `auto` subnets chosen, gateways, VXLAN VNIs and remotes; and the
 * static routes that join routed networks across the underlay.
 * @pure
 */
import { contains, formatCidr, formatIp, network as networkOf, overlaps, parseCidr, parseIp, type Cidr } from '../ipam/cidr.js';
import { validateIfName } from '../core/names.js';
import type { HostModel, LinkModel, NetworkModel, RouteModel } from './model.js';
import type { LabFile } from './schema.js';
import type { Checker, Path } from './checker.js';

/** The pool `subnet: auto` takes /24s from, in order, skipping every subnet the file names. */
export const AUTO_POOL = '10.200.0.0/16';
export const VXLAN_PORT = 4789;

export function resolveNetworks(c: Checker, lab: LabFile, hosts: HostModel[], sameUnderlay: (a: string, b: string) => boolean): NetworkModel[] {
  const explicit: Array<{ cidr: Cidr; path: Path; host: string; bridge: string; routed: boolean; vni: number | undefined }> = [];
  const underlays = hosts.map((h) => ({ cidr: networkOf(parseCidr(h.underlay.cidr)), host: h.name }));
  const entries = hosts.flatMap((h) => Object.entries(lab.hosts[h.name]!.networks ?? {}).map(([bridge, e]) => ({ host: h.name, bridge, e, path: ['hosts', h.name, 'networks', bridge] as Path })));
  for (const { bridge, path } of entries) c.wrap(path, () => validateIfName(bridge, 'bridge'));
  // VNIs: one network per VNI per host; every network of a VNI has the same subnet (checked below).
  const vniSeen = new Map<string, Path>();
  for (const { host, e, path } of entries) {
    if (!e.vxlan) continue;
    const key = `${host}/${e.vxlan.vni}`;
    if (vniSeen.has(key)) c.fail([...path, 'vxlan', 'vni'], `VNI ${e.vxlan.vni} is already used on host ${host} by ${vniSeen.get(key)!.join('.')}`);
    vniSeen.set(key, path);
    if (e.routes) c.fail([...path, 'routes'], 'a VXLAN network is one L2 segment across hosts; it needs no routes');
  }
  for (const x of entries) {
    if (x.e.subnet === 'auto') continue;
    const cidr = c.wrap([...x.path, 'subnet'], () => parseCidr(x.e.subnet, 'subnet'));
    if (cidr.family !== 4) c.fail([...x.path, 'subnet'], 'lab networks are IPv4');
    if (cidr.prefix > 30) c.fail([...x.path, 'subnet'], `subnet ${x.e.subnet} is too small (at most /30)`);
    if (formatCidr(networkOf(cidr)) !== formatCidr(cidr)) c.fail([...x.path, 'subnet'], `subnet ${x.e.subnet} has host bits set; did you mean ${formatCidr(networkOf(cidr))}?`);
    explicit.push({ cidr, path: x.path, host: x.host, bridge: x.bridge, routed: !x.e.vxlan && x.e.routes !== false, vni: x.e.vxlan?.vni });
  }
  // Overlaps: with any underlay; on one host; across hosts unless equal (stretched or one overlay).
  for (const [i, a] of explicit.entries()) {
    for (const u of underlays) if (overlaps(a.cidr, u.cidr)) c.fail([...a.path, 'subnet'], `subnet ${formatCidr(a.cidr)} overlaps the underlay ${formatCidr(u.cidr)} of host ${u.host}`);
    for (const b of explicit.slice(0, i)) {
      if (!overlaps(a.cidr, b.cidr)) continue;
      const equal = formatCidr(a.cidr) === formatCidr(b.cidr);
      if (a.host === b.host) c.fail([...a.path, 'subnet'], `subnet ${formatCidr(a.cidr)} overlaps ${b.bridge} (${formatCidr(b.cidr)}) on the same host`);
      if (a.vni !== undefined || b.vni !== undefined) {
        if (a.vni === b.vni) continue;
        c.fail([...a.path, 'subnet'], `subnet ${formatCidr(a.cidr)} overlaps ${b.host}'s ${b.bridge} (${formatCidr(b.cidr)}), which is ${b.vni !== undefined ? `VXLAN ${b.vni}` : 'routed'}; give them distinct subnets`);
      }
      if (!equal && (a.routed || b.routed)) {
        c.fail([...a.path, 'subnet'], `subnet ${formatCidr(a.cidr)} overlaps ${b.host}'s ${b.bridge} (${formatCidr(b.cidr)}); routing needs them distinct (or the same subnet on both, stretched)`);
      }
    }
  }
  for (const x of entries) {
    if (!x.e.vxlan || x.e.subnet === 'auto') continue;
    const other = entries.find((y) => y !== x && y.e.vxlan?.vni === x.e.vxlan!.vni && y.e.subnet !== 'auto' && formatCidr(parseCidr(y.e.subnet)) !== formatCidr(parseCidr(x.e.subnet)));
    if (other) c.fail([...x.path, 'vxlan', 'vni'], `VNI ${x.e.vxlan.vni} collides: ${other.host}'s ${other.bridge} uses it for ${other.e.subnet}, here for ${x.e.subnet}`);
  }
  // `auto`: the lowest free /24 of the pool; one per VXLAN overlay, else one per host network.
  const pool = parseCidr(AUTO_POOL);
  const used: Cidr[] = [...explicit.map((e) => e.cidr), ...underlays.map((u) => u.cidr)];
  const autoByVni = new Map<number, string>();
  for (const x of entries) if (x.e.vxlan && x.e.subnet !== 'auto') autoByVni.set(x.e.vxlan.vni, formatCidr(parseCidr(x.e.subnet)));
  const pick = (path: Path): string => {
    for (let i = 0n; i < 256n; i++) {
      const cand: Cidr = { family: 4, addr: pool.addr + (i << 8n), prefix: 24 };
      if (!used.some((u) => overlaps(u, cand))) { used.push(cand); return formatCidr(cand); }
    }
    return c.fail([...path, 'subnet'], `no free /24 left in ${AUTO_POOL} for subnet: auto`);
  };
  const nets: NetworkModel[] = entries.map((x) => {
    let subnet: string;
    if (x.e.subnet !== 'auto') subnet = formatCidr(parseCidr(x.e.subnet));
    else if (x.e.vxlan) {
      subnet = autoByVni.get(x.e.vxlan.vni) ?? pick(x.path);
      autoByVni.set(x.e.vxlan.vni, subnet);
    } else subnet = pick(x.path);
    const s = parseCidr(subnet);
    let gatewayCidr: string | undefined;
    if (x.e.gateway !== undefined && x.e.gateway !== 'none') {
      const g = c.wrap([...x.path, 'gateway'], () => parseIp(x.e.gateway!, 'gateway'));
      if (g.family !== 4 || !contains(s, 4, g.addr) || g.addr === s.addr || g.addr === s.addr + (1n << BigInt(32 - s.prefix)) - 1n) {
        c.fail([...x.path, 'gateway'], `gateway ${x.e.gateway} is not a host address of ${subnet}`);
      }
      gatewayCidr = `${formatIp(4, g.addr)}/${s.prefix}`;
    } else if (x.e.gateway === undefined && !x.e.vxlan) {
      gatewayCidr = `${formatIp(4, s.addr + 1n)}/${s.prefix}`;
    }
    return {
      host: x.host, bridge: x.bridge, subnet, gatewayCidr, mtu: x.e.mtu ?? (x.e.vxlan ? 1450 : undefined),
      stretched: false, routed: !x.e.vxlan && x.e.routes !== false,
      vxlan: x.e.vxlan ? { vni: x.e.vxlan.vni, port: x.e.vxlan.port ?? VXLAN_PORT, device: `vx${x.e.vxlan.vni}`, remotes: [] } : undefined,
    };
  });
  for (const n of nets) n.stretched = n.routed && nets.some((o) => o !== n && o.routed && o.subnet === n.subnet);
  // VXLAN remotes: the other hosts of the VNI (or those listed), each reachable on the underlay.
  const hostIp = new Map(hosts.map((h) => [h.name, h.underlay.ip]));
  entries.forEach((x, i) => {
    const n = nets[i]!;
    if (!n.vxlan) return;
    const peers = nets.filter((o) => o.vxlan?.vni === n.vxlan!.vni && o.host !== n.host).map((o) => o.host);
    const wanted = x.e.vxlan!.remotes ?? peers;
    wanted.forEach((r, j) => {
      const path: Path = [...x.path, 'vxlan', 'remotes', j];
      if (!hostIp.has(r)) c.fail(path, `remote "${r}" is not a host of this lab`);
      if (r === n.host) c.fail(path, `a host is not its own remote`);
      if (!peers.includes(r)) c.fail(path, `host ${r} has no network with VNI ${n.vxlan!.vni}`);
      if (!sameUnderlay(n.host, r)) c.fail(path, `hosts ${n.host} and ${r} share no underlay link`);
    });
    n.vxlan.remotes = wanted.map((r) => ({ host: r, ip: hostIp.get(r)! }));
  });
  return nets;
}

/**
 * resolveRoutes — static routes through the underlay, as in the seed: a routed network with
 * a subnet of its own is reached by one route per other host; a stretched subnet (the same on
 * several hosts) by a /32 route per remote node address, answered locally by proxy ARP.
 */
export function resolveRoutes(networks: NetworkModel[], links: LinkModel[], hosts: HostModel[], sameUnderlay: (a: string, b: string) => boolean): RouteModel[] {
  const routes: RouteModel[] = [];
  const hostBy = new Map(hosts.map((h) => [h.name, h]));
  for (const net of networks) {
    if (!net.routed) continue;
    for (const other of hosts) {
      if (other.name === net.host || !sameUnderlay(net.host, other.name)) continue;
      const via = hostBy.get(net.host)!.underlay.ip;
      const dev = other.underlay.ifname;
      if (!net.stretched) {
        routes.push({ host: other.name, dst: net.subnet, via, dev, to: net.host });
        continue;
      }
      if (!networks.some((o) => o.host === other.name && o.subnet === net.subnet)) {
        routes.push({ host: other.name, dst: net.subnet, via, dev, to: net.host }); // a host without the subnet routes to one that has it
        continue;
      }
      for (const l of links) {
        if (l.kind !== 'attach' || l.attach!.host !== net.host || l.attach!.bridge !== net.bridge) continue;
        for (const cidr of l.attach!.cidrs) routes.push({ host: other.name, dst: `${cidr.split('/')[0]}/32`, via, dev, to: net.host });
      }
    }
  }
  // A subnet stretched over hosts A and B, seen from C: one route to the first host that has it.
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = `${r.host} ${r.dst}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
