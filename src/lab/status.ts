/**
 * status — what a lab looks like in the kernel right now, compared with its record: each
 * host, network, node (with its addresses), link (up, down or missing, with its
 * impairment) and route. One LinkOps per namespace, read in parallel.
 */
import type { AddrInfo, LinkInfo, LinkOpsBackend, RouteInfo } from '../netlink/linkops.js';
import { netnsExists } from '../netns/named.js';
import { openLinkOps } from '../netlink/index.js';
import { describeImpairment } from '../tc/impairment.js';
import { hostNetnsName, scopeOf, withNetnsLinks, type LabScope } from './hosts.js';
import { switchedEnds } from './link-state.js';
import { effectiveImpairment, type LabRecord } from './record.js';

export interface NetnsView { present: boolean; links: LinkInfo[]; addrs: AddrInfo[]; routes: RouteInfo[] }

export interface LabStatus {
  name: string;
  phase: string;
  file: string | null;
  as: string | null;
  hosts: Array<{ name: string; netns: string | null; present: boolean; underlay: { ifname: string; cidr: string; up: boolean; carrier: boolean } }>;
  networks: Array<{ host: string; bridge: string; subnet: string; gateway: string | null; present: boolean; vxlan: { vni: number; remotes: string[] } | null }>;
  nodes: Array<{ name: string; host: string; kind: string; netns: string; present: boolean; addresses: Array<{ ifname: string; cidr: string }>; routes: string[] }>;
  links: Array<{ name: string; kind: string; type: string; hosts: string[]; ends: string[]; state: 'up' | 'down' | 'missing'; impairment: string }>;
  routes: Array<{ host: string; dst: string; via: string; dev: string; present: boolean }>;
}

async function view(netns: string | undefined, backend: LinkOpsBackend | undefined): Promise<NetnsView> {
  if (netns !== undefined && !netnsExists(netns)) return { present: false, links: [], addrs: [], routes: [] };
  const read = async (l: Awaited<ReturnType<typeof openLinkOps>>): Promise<NetnsView> => ({ present: true, links: await l.listLinks(), addrs: await l.listAddrs(), routes: await l.listRoutes(4) });
  if (netns !== undefined) return withNetnsLinks(netns, backend, read);
  const l = await openLinkOps(undefined, backend);
  try { return await read(l); } finally { l.close(); }
}

/** observe — a view of every netns of the scope, keyed by netns name ('' for this machine's own). */
export async function observe(rec: LabRecord, scope: LabScope, backend: LinkOpsBackend | undefined): Promise<Map<string, NetnsView>> {
  const names = new Set<string | undefined>();
  for (const h of scope.hosts) names.add(hostNetnsName(scope, h));
  for (const n of scope.nodes) names.add(n.netns);
  for (const l of scope.links) if (l.switchNetns && scope.as === undefined) names.add(l.switchNetns);
  const out = new Map<string, NetnsView>();
  await Promise.all([...names].map(async (n) => { out.set(n ?? '', await view(n, backend)); }));
  return out;
}

export async function labStatus(rec: LabRecord, backend: LinkOpsBackend | undefined): Promise<LabStatus> {
  const model = rec.model;
  const scope = scopeOf(model, rec.as);
  const seen = await observe(rec, scope, backend);
  const at = (netns: string | undefined): NetnsView => seen.get(netns ?? '') ?? { present: false, links: [], addrs: [], routes: [] };
  const linkIn = (netns: string | undefined, ifname: string): LinkInfo | undefined => at(netns).links.find((l) => l.name === ifname);
  return {
    name: model.name, phase: rec.phase, file: rec.file ?? null, as: rec.as ?? null,
    hosts: scope.hosts.map((h) => {
      const ns = hostNetnsName(scope, h);
      const u = linkIn(ns, h.underlay.ifname);
      return { name: h.name, netns: ns ?? null, present: at(ns).present, underlay: { ifname: h.underlay.ifname, cidr: h.underlay.cidr, up: u?.up ?? false, carrier: u?.carrier ?? false } };
    }),
    networks: model.networks.filter((n) => scope.hosts.some((h) => h.name === n.host)).map((n) => {
      const ns = hostNetnsName(scope, scope.hosts.find((h) => h.name === n.host)!);
      return {
        host: n.host, bridge: n.bridge, subnet: n.subnet, gateway: n.gatewayCidr ?? null, present: linkIn(ns, n.bridge) !== undefined,
        vxlan: n.vxlan ? { vni: n.vxlan.vni, remotes: n.vxlan.remotes.map((r) => `${r.host} (${r.ip})`) } : null,
      };
    }),
    nodes: scope.nodes.map((n) => {
      const v = at(n.netns);
      return {
        name: n.name, host: n.host, kind: n.kind, netns: n.netns, present: v.present,
        addresses: v.addrs.filter((a) => a.family === 4 && a.ifname !== 'lo').map((a) => ({ ifname: a.ifname, cidr: a.cidr })),
        routes: v.routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`),
      };
    }),
    links: scope.links.map((l) => {
      const ends = [...switchedEnds(l, scope), ...l.ends.filter((e) => l.kind === 'underlay' && (scope.as === undefined || e.owner === scope.as)).map((e) => ({ netns: scope.as === undefined ? e.netns : undefined, ifname: e.ifname }))];
      const infos = ends.map((e) => linkIn(e.netns, e.ifname));
      const state = infos.some((i) => !i) ? 'missing' : infos.every((i) => i!.up) ? 'up' : 'down';
      return {
        name: l.name, kind: l.kind, type: l.type, hosts: l.hosts,
        ends: l.ends.map((e) => `${e.owner}:${e.ifname}${e.cidr ? ` ${e.cidr}` : ''}`),
        state, impairment: describeImpairment(effectiveImpairment(rec, l.name, l.impair)),
      };
    }),
    routes: model.routes.filter((r) => scope.hosts.some((h) => h.name === r.host)).map((r) => {
      const ns = hostNetnsName(scope, scope.hosts.find((h) => h.name === r.host)!);
      const present = at(ns).routes.some((x) => x.dst === r.dst && x.gateway === r.via);
      return { host: r.host, dst: r.dst, via: r.via, dev: r.dev, present };
    }),
  };
}
