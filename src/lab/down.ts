/**
 * down — removes everything a lab made, from its record alone, best-effort: every step runs
 * even when an earlier one failed, and what could not be removed is reported. Simulated
 * hosts are namespaces the lab made, so deleting them (with the nodes' and switches') takes
 * every interface, address, route, tunnel and qdisc inside with it. With --as HOST the
 * host is this machine: only what the lab added is removed, piece by piece.
 */
import { detach } from '../attach/detach.js';
import type { LinkOpsBackend } from '../netlink/linkops.js';
import { deleteNamedNetns, netnsExists } from '../netns/named.js';
import { removeContainerNode } from './container-nodes.js';
import { applyImpairments } from '../tc/apply.js';
import { deleteVxlan } from '../vxlan/vxlan.js';
import { inParallel, openHost, scopeOf } from './hosts.js';
import type { LabRecord } from './record.js';
import { netnsOfScope } from './up.js';

export interface DownResult {
  removedNetns: number;
  warnings: string[];
}

export async function labDown(rec: LabRecord, opts: { root: string; backend?: LinkOpsBackend | undefined }): Promise<DownResult> {
  const model = rec.model;
  const scope = scopeOf(model, rec.as);
  const warnings: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try { await fn(); } catch (e) { warnings.push(`${what}: ${(e as Error).message}`); }
  };
  // Containers first, while their hosts still exist: their processes, rootfs and cgroups.
  await Promise.all(scope.hosts.map(async (host) => {
    const nodes = scope.nodes.filter((n) => n.host === host.name && n.kind === 'container');
    if (nodes.length === 0 || (scope.as === undefined && !netnsExists(host.netns))) return;
    const h = await openHost(opts.root, model, scope, host, opts.backend);
    try {
      await inParallel(nodes, 16, (node) => attempt(`container ${node.name}`, async () => warnings.push(...(await removeContainerNode(model, node, h.ctx)))));
    } finally {
      h.close();
    }
  }));
  if (scope.as !== undefined) {
    const host = scope.hosts[0]!;
    const h = await openHost(opts.root, model, scope, host, opts.backend);
    try {
      for (const node of scope.nodes) {
        if (node.kind === 'container') continue;
        await attempt(`detach ${node.name}`, async () => warnings.push(...(await detach(h.ctx, { kind: 'netns', name: node.netns })).warnings));
      }
      for (const r of model.routes.filter((x) => x.host === host.name)) {
        await attempt(`route ${r.dst}`, () => h.links.delRoute({ family: 4, dst: r.dst, gateway: r.via, dev: r.dev }));
      }
      for (const net of model.networks.filter((n) => n.host === host.name)) {
        if (net.vxlan) await attempt(`vxlan ${net.vxlan.device}`, () => deleteVxlan(undefined, net.vxlan!.device));
        await attempt(`bridge ${net.bridge}`, () => h.links.deleteLink(net.bridge));
      }
      const underlay = scope.links.find((l) => l.kind === 'underlay');
      if (underlay?.impair) await attempt(`qdisc on ${host.underlay.ifname}`, () => applyImpairments(undefined, [{ dev: host.underlay.ifname, impair: undefined }]));
    } finally {
      h.close();
    }
  }
  const names = netnsOfScope(model, scope);
  const left = await deleteNamedNetns(names);
  for (const n of left) warnings.push(`netns ${n} could not be removed`);
  return { removedNetns: names.length - left.length, warnings };
}
