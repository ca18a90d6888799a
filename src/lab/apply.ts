/**
 * apply — the difference between the running lab's model and an edited file's, and the
 * removal of what the edit dropped or changed (a changed object is removed and made again;
 * everything else is left running). `up` then makes what is new, idempotently.
 */
import { rmSync } from 'node:fs';
import { detach } from '../attach/detach.js';
import type { LinkOpsBackend } from '../netlink/linkops.js';
import { deleteNamedNetns } from '../netns/named.js';
import { deleteVxlan } from '../vxlan/vxlan.js';
import { openHost, scopeOf, withNetnsLinks, type HostHandle } from './hosts.js';
import type { LabModel, LinkModel } from './model.js';
import { hostRoot, type LabRecord } from './record.js';
import { applyLinkImpairments } from './up.js';
import { removeContainerNode } from './container-nodes.js';

type Keyed = Map<string, string>;

/** objects — every object of a model by kind-qualified name, with the JSON that defines it. */
function objects(m: LabModel): Keyed {
  const out: Keyed = new Map();
  for (const h of m.hosts) out.set(`host ${h.name}`, JSON.stringify(h));
  for (const n of m.networks) out.set(`network ${n.host}/${n.bridge}`, JSON.stringify(n));
  for (const n of m.nodes) out.set(`node ${n.name}`, JSON.stringify(n));
  for (const l of m.links) out.set(`link ${l.name}`, JSON.stringify({ ...l, impair: undefined }));
  for (const r of m.routes) out.set(`route ${r.host} ${r.dst}`, JSON.stringify(r));
  return out;
}

export function diffModels(before: LabModel, after: LabModel): { removed: string[]; added: string[] } {
  const a = objects(before);
  const b = objects(after);
  const removed = [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k);
  const added = [...b].filter(([k, v]) => a.get(k) !== v).map(([k]) => k);
  return { removed, added };
}

/** removeDropped — tears down, in the running lab, what `after` no longer has the same way. */
export async function removeDropped(rec: LabRecord, after: LabModel, opts: { root: string; backend?: LinkOpsBackend | undefined }): Promise<void> {
  const before = rec.model;
  const gone = new Set(diffModels(before, after).removed);
  const scope = scopeOf(before, rec.as);
  const goneHosts = scope.hosts.filter((h) => gone.has(`host ${h.name}`));
  const goneNodes = scope.nodes.filter((n) => gone.has(`node ${n.name}`) || goneHosts.some((h) => h.name === n.host));
  const goneLinks = scope.links.filter((l) => gone.has(`link ${l.name}`));
  const handles = new Map<string, HostHandle>();
  const hostOf = async (name: string): Promise<HostHandle> => {
    let h = handles.get(name);
    if (!h) handles.set(name, (h = await openHost(opts.root, before, scope, scope.hosts.find((x) => x.name === name)!, opts.backend)));
    return h;
  };
  // Dropped containers first, while their hosts exist (their processes would outlive a netns).
  for (const n of goneNodes) if (n.kind === 'container') await removeContainerNode(before, n, (await hostOf(n.host)).ctx);
  // Whole namespaces next: a dropped host takes its networks, routes and wires' ends with it.
  await deleteNamedNetns([...goneNodes.map((n) => n.netns), ...(rec.as === undefined ? goneHosts.map((h) => h.netns) : []),
    ...goneLinks.flatMap((l) => (l.switchNetns && rec.as === undefined ? [l.switchNetns] : []))]);
  for (const h of goneHosts) {
    handles.get(h.name)?.close();
    handles.delete(h.name);
    if (rec.as === undefined) rmSync(hostRoot(opts.root, before.name, h.name), { recursive: true, force: true });
  }
  try {
    for (const n of goneNodes) {
      if (goneHosts.some((h) => h.name === n.host) || n.kind === 'container') continue;
      await detach((await hostOf(n.host)).ctx, { kind: 'netns', name: n.netns });
    }
    for (const l of goneLinks) await removeLink(l, rec, goneHosts.map((h) => h.name), goneNodes.map((n) => n.name), hostOf, opts.backend);
    for (const n of before.networks) {
      if (!gone.has(`network ${n.host}/${n.bridge}`) || goneHosts.some((h) => h.name === n.host) || !scope.hosts.some((h) => h.name === n.host)) continue;
      const h = await hostOf(n.host);
      if (n.vxlan) await deleteVxlan(h.netns, n.vxlan.device);
      await h.links.deleteLink(n.bridge);
    }
    for (const r of before.routes) {
      if (!gone.has(`route ${r.host} ${r.dst}`) || goneHosts.some((h) => h.name === r.host) || !scope.hosts.some((h) => h.name === r.host)) continue;
      await (await hostOf(r.host)).links.delRoute({ family: 4, dst: r.dst, gateway: r.via, dev: r.dev });
    }
  } finally {
    for (const h of handles.values()) h.close();
  }
  // Impairments the edit removed from links that stay.
  for (const l of after.links) {
    const old = before.links.find((x) => x.name === l.name);
    if (old?.impair && !l.impair && !gone.has(`link ${l.name}`) && !Object.prototype.hasOwnProperty.call(rec.netem, l.name)) {
      await applyLinkImpairments({ ...rec, model: before }, scope, opts.root, l.name).catch(() => undefined);
    }
  }
}

async function removeLink(l: LinkModel, rec: LabRecord, goneHosts: string[], goneNodes: string[], hostOf: (h: string) => Promise<HostHandle>, backend: LinkOpsBackend | undefined): Promise<void> {
  if (l.kind === 'attach') {
    const a = l.attach!;
    if (goneNodes.includes(a.node) || goneHosts.includes(a.host)) return;
    const node = rec.model.nodes.find((n) => n.name === a.node)!;
    await detach((await hostOf(a.host)).ctx, { kind: 'netns', name: node.netns }, a.ctrIf);
    return;
  }
  if (l.kind === 'p2p') {
    const end = l.ends.find((e) => !goneNodes.includes(e.owner));
    if (end) await withNetnsLinks(end.netns, backend, (x) => x.deleteLink(end.ifname)).catch(() => undefined);
    return;
  }
  // underlay: the switch netns is gone already; a veth wire goes with either end.
  for (const e of l.ends) {
    if (goneHosts.includes(e.owner)) continue;
    if (rec.as !== undefined) continue; // a real machine's NIC is never deleted
    const h = await hostOf(e.owner);
    await h.links.deleteLink(e.ifname);
  }
}
