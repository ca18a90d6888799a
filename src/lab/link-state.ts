/**
 * link-state — `tsnet lab link L down|up`: a cable pulled and plugged back. An underlay
 * switch port goes down in the switch's netns, so the host only loses carrier and keeps its
 * routes; other links go down at both ends. Bringing a link up puts back what the kernel
 * dropped with it (routes via an interface that was set down, a node's default route).
 */
import type { LinkOps, LinkOpsBackend } from '../netlink/linkops.js';
import type { LabModel, LinkModel } from './model.js';
import type { LabRecord } from './record.js';
import { withNetnsLinks, type LabScope } from './hosts.js';
import { openLinkOps } from '../netlink/index.js';

/** linkEnds — the (netns, interface) pairs set down or up for a link. */
export function switchedEnds(link: LinkModel, scope: LabScope): Array<{ netns: string | undefined; ifname: string }> {
  if (link.kind === 'underlay' && link.type === 'switch' && scope.as === undefined) {
    return link.switchPorts!.map((p) => ({ netns: link.switchNetns!, ifname: p }));
  }
  if (link.kind === 'underlay') {
    return link.ends.filter((e) => scope.as === undefined || e.owner === scope.as).map((e) => ({ netns: scope.as === undefined ? e.netns : undefined, ifname: e.ifname }));
  }
  return link.ends.map((e) => ({ netns: e.netns, ifname: e.ifname }));
}

async function withLinks<T>(netns: string | undefined, backend: LinkOpsBackend | undefined, fn: (l: LinkOps) => Promise<T>): Promise<T> {
  if (netns !== undefined) return withNetnsLinks(netns, backend, fn);
  const l = await openLinkOps(undefined, backend);
  try { return await fn(l); } finally { l.close(); }
}

export async function setLinkState(rec: LabRecord, scope: LabScope, link: LinkModel, up: boolean, backend: LinkOpsBackend | undefined): Promise<void> {
  for (const end of switchedEnds(link, scope)) {
    await withLinks(end.netns, backend, (l) => l.setLink(end.ifname, { up }));
  }
  if (up) await restoreRoutes(rec.model, scope, link, backend);
}

/** restoreRoutes — routes the kernel flushed when an interface of the link went admin-down. */
async function restoreRoutes(model: LabModel, scope: LabScope, link: LinkModel, backend: LinkOpsBackend | undefined): Promise<void> {
  if (link.kind === 'underlay') {
    for (const end of link.ends) {
      if (scope.as !== undefined && end.owner !== scope.as) continue;
      const routes = model.routes.filter((r) => r.host === end.owner && r.dev === end.ifname);
      if (routes.length === 0) continue;
      await withLinks(scope.as === undefined ? end.netns : undefined, backend, async (l) => {
        for (const r of routes) await l.replaceRoute({ family: 4, dst: r.dst, gateway: r.via, dev: r.dev });
      });
    }
  }
  if (link.kind === 'attach' && link.attach!.gateway) {
    const a = link.attach!;
    // attach made this the node's default route only if no later attachment of the node took it over.
    const later = model.links.filter((l) => l.kind === 'attach' && l.attach!.node === a.node && l.attach!.gateway);
    if (later[later.length - 1] !== link) return;
    const node = model.nodes.find((n) => n.name === a.node)!;
    await withNetnsLinks(node.netns, backend, (l) => l.replaceRoute({ family: 4, dst: 'default', gateway: a.gateway, dev: a.ctrIf }));
  }
}
