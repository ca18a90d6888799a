/**
 * up — makes the kernel match a resolved lab, idempotently: every step first looks at what
 * exists, so running it again changes nothing and `apply` can reuse it after removing what
 * an edited file dropped. Order: namespaces (one `ip -batch`), underlay wires, then every
 * host in parallel (underlay address, forwarding, bridges, VXLAN, routes), then every node
 * in parallel (attachments through the host's engine, point-to-point links), then
 * impairments and link states. The caller owns the record and the rollback.
 */
import { TsnetError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { throwIfInterrupted } from '../core/interrupt.js';
import { attach } from '../attach/attach.js';
import { detach } from '../attach/detach.js';
import { describeGuest } from '../netns/guest-ref.js';
import { parseAttach } from '../attach/grammar.js';
import { ensureBridge } from '../bridge/bridge.js';
import type { LinkOps, LinkOpsBackend } from '../netlink/linkops.js';
import { EngineContext } from '../engine/context.js';
import { netnsIdOfFd } from '../netns/guest.js';
import { createNamedNetns, openNamedNetns } from '../netns/named.js';
import { applyImpairments } from '../tc/apply.js';
import { ensureVxlan } from '../vxlan/vxlan.js';
import type { HostModel, LabModel, LinkModel, NodeModel } from './model.js';
import { effectiveImpairment, hostRoot, type LabRecord } from './record.js';
import { setLinkState } from './link-state.js';
import { containerName, ensureContainerNode } from './container-nodes.js';
import { hostNetnsName, inParallel, openHost, scopeOf, withNetnsLinks, type HostHandle, type LabScope } from './hosts.js';

/** How many nodes are set up at once: enough to overlap waits, few enough for a 2-core machine. */
const NODE_PARALLELISM = 16;
export const SWITCH_BRIDGE = 'sw0';

export interface UpOptions {
  root: string;
  backend?: LinkOpsBackend | undefined;
  /** Told as each phase starts (the step of the operation's intent record: lab/intents.ts). */
  step?: ((name: string) => void) | undefined;
}

/** netnsOfScope — every netns name this scope uses: hosts and switches (simulated only) and nodes. */
export function netnsOfScope(model: LabModel, scope: LabScope): string[] {
  const names = scope.as === undefined ? [...model.hosts.map((h) => h.netns), ...model.links.flatMap((l) => (l.switchNetns ? [l.switchNetns] : []))] : [];
  return [...names, ...scope.nodes.map((n) => n.netns)];
}

/** netnsToMake — those the lab makes itself: a container node's netns is its container's, named once it runs. */
function netnsToMake(model: LabModel, scope: LabScope): string[] {
  const containers = new Set(scope.nodes.filter((n) => n.kind === 'container').map((n) => n.netns));
  return netnsOfScope(model, scope).filter((n) => !containers.has(n));
}

export async function labUp(rec: LabRecord, opts: UpOptions): Promise<void> {
  const model = rec.model;
  const scope = scopeOf(model, rec.as);
  // Between phases (and before each node) a Ctrl-C stops the work; the caller rolls back or keeps the record.
  const phase = (name: string): void => { throwIfInterrupted(); opts.step?.(name); };
  phase('namespaces');
  const made = await createNamedNetns(netnsToMake(model, scope));
  debug(`lab ${model.name}: made ${made.length} namespaces`);
  if (scope.as === undefined) {
    phase('underlay');
    await wireUnderlay(model, opts.backend);
  }
  const handles = new Map<string, HostHandle>();
  // This machine's own root: where container nodes' images come from.
  const machine = scope.nodes.some((n) => n.kind === 'container') ? new EngineContext({ root: opts.root, backend: opts.backend }) : undefined;
  try {
    phase('hosts');
    for (const h of scope.hosts) handles.set(h.name, await openHost(opts.root, model, scope, h, opts.backend));
    await Promise.all(scope.hosts.map((h) => configureHost(model, scope, handles.get(h.name)!)));
    phase('nodes');
    await inParallel(scope.nodes, NODE_PARALLELISM, async (n) => {
      throwIfInterrupted();
      await configureNode(model, scope, n, handles.get(n.host)!, machine, opts.backend);
    });
    phase('impairments');
    await applyLinkImpairments(rec, scope, opts.root);
    phase('link-states');
    await applyLinkStates(rec, scope, opts.backend);
  } finally {
    for (const h of handles.values()) h.close();
    machine?.close();
  }
}

/** lo up — a fresh netns has lo down, and nothing (not even a ping of itself) works without it. */
async function loUp(links: LinkOps): Promise<void> {
  await links.setLink('lo', { up: true });
}

/** wireUnderlay — switch netns with a bridge, and each host's underlay veth into it (or host to host). */
async function wireUnderlay(model: LabModel, backend: LinkOpsBackend | undefined): Promise<void> {
  const hostBy = new Map(model.hosts.map((h) => [h.name, h]));
  await Promise.all(model.links.filter((l) => l.kind === 'underlay').map(async (link) => {
    if (link.type === 'veth') {
      const [a, b] = link.hosts.map((h) => hostBy.get(h)!);
      await withNetnsLinks(a!.netns, backend, async (la) => {
        if (await la.getLink(a!.underlay.ifname)) return;
        const ref = openNamedNetns(b!.netns);
        try {
          await la.addVeth({ name: a!.underlay.ifname, peerName: b!.underlay.ifname, peerNetns: ref });
        } finally { ref.close(); }
      });
      return;
    }
    await withNetnsLinks(link.switchNetns!, backend, async (sw) => {
      await loUp(sw);
      await ensureBridge(sw, SWITCH_BRIDGE, 1500);
      for (const [i, hostName] of link.hosts.entries()) {
        const host = hostBy.get(hostName)!;
        const port = link.switchPorts![i]!;
        if (!(await sw.getLink(port))) {
          const ref = openNamedNetns(host.netns);
          try {
            await sw.addVeth({ name: port, peerName: host.underlay.ifname, peerNetns: ref });
          } finally { ref.close(); }
        }
        await sw.setLink(port, { master: SWITCH_BRIDGE, up: true });
      }
    });
  }));
}

async function ensureAddr(links: LinkOps, ifname: string, cidr: string): Promise<void> {
  if ((await links.listAddrs(ifname)).some((a) => a.cidr === cidr)) return;
  await links.addAddr(ifname, cidr);
}

/** configureHost — underlay address, forwarding, each network's bridge and gateway, VXLAN, routes. */
async function configureHost(model: LabModel, scope: LabScope, h: HostHandle): Promise<void> {
  const host = h.model;
  const links = h.links;
  const ifname = host.underlay.ifname;
  if (scope.as === undefined) {
    await loUp(links);
    await ensureAddr(links, ifname, host.underlay.cidr);
    await links.setLink(ifname, { up: true });
  } else {
    const addrs = await links.listAddrs(ifname);
    if (!(await links.getLink(ifname))) throw new TsnetError('ENOTFOUND', `--as ${host.name}: this machine has no underlay interface ${ifname}`);
    if (!addrs.some((a) => a.cidr === host.underlay.cidr)) throw new TsnetError('ENOTFOUND', `--as ${host.name}: ${ifname} does not have ${host.underlay.cidr}; configure the underlay first`);
  }
  await links.setSysctl('net.ipv4.ip_forward', '1');
  for (const net of model.networks.filter((n) => n.host === host.name)) {
    await ensureBridge(links, net.bridge, net.mtu ?? 1500);
    if (net.gatewayCidr) await ensureAddr(links, net.bridge, net.gatewayCidr);
    if (net.stretched) {
      // Answer ARP for the other hosts' addresses of the subnet at once (proxy_delay 0, not 0.8 s).
      await links.setSysctl(`net/ipv4/conf/${net.bridge}/proxy_arp`, '1');
      await links.setSysctl(`net/ipv4/neigh/${net.bridge}/proxy_delay`, '0');
    }
    if (net.vxlan) {
      await ensureVxlan(hostNetnsName(scope, host), {
        device: net.vxlan.device, vni: net.vxlan.vni, local: host.underlay.ip, dev: ifname, port: net.vxlan.port,
        mtu: net.mtu ?? 1450, bridge: net.bridge, remotes: net.vxlan.remotes.map((r) => r.ip),
      });
    }
  }
  for (const r of model.routes.filter((x) => x.host === host.name)) {
    await links.replaceRoute({ family: 4, dst: r.dst, gateway: r.via, dev: r.dev });
  }
}

/** configureNode — lo, ping sockets, each attachment (through the engine) and each p2p link it starts. */
async function configureNode(model: LabModel, scope: LabScope, node: NodeModel, h: HostHandle, machine: EngineContext | undefined, backend: LinkOpsBackend | undefined): Promise<void> {
  if (node.kind === 'container') await ensureContainerNode(model, node, h.ctx, machine!);
  else await dropStale(h.ctx, node.netns);
  await withNetnsLinks(node.netns, backend, async (nl) => {
    await loUp(nl);
    // As Docker does for containers: unprivileged ICMP echo sockets (and status --ping uses them).
    await nl.setSysctl('net.ipv4.ping_group_range', '0 2147483647');
  });
  for (const link of scope.links) {
    if (link.kind !== 'attach' || link.attach!.node !== node.name) continue;
    const a = link.attach!;
    const ipSpec = a.cidrs.length === 0 ? '0/0' : `${a.cidrs.join(',')}${a.gateway ? `@${a.gateway}` : ''}`;
    // A container is attached by name, so that its restarts get the attachment back.
    const guest = node.kind === 'container' ? `container:${containerName(model, node)}` : `netns:${node.netns}`;
    const req = parseAttach({ hostIf: a.bridge, guest, ipSpec, macVlan: a.mac, ctrIf: a.ctrIf });
    await attach(h.ctx, req);
  }
  for (const link of scope.links) {
    if (link.kind !== 'p2p' || link.ends[0]!.owner !== node.name) continue;
    await ensureP2p(link, backend);
  }
}

/**
 * dropStale — a node whose netns was deleted behind the lab's back and made again: the host's
 * records of its old attachments still hold its addresses, so they (and their host ends) go
 * first, as detach does for a guest that is gone; the attachments are then made afresh.
 */
async function dropStale(ctx: EngineContext, netns: string): Promise<void> {
  const ref = openNamedNetns(netns);
  let id: string | undefined;
  try { id = netnsIdOfFd(ref.fd); } finally { ref.close(); }
  const guest = { kind: 'netns' as const, name: netns };
  if (ctx.attachments.forGuest(undefined, describeGuest(guest)).some((r) => r.netnsId !== id)) await detach(ctx, guest);
}

async function ensureP2p(link: LinkModel, backend: LinkOpsBackend | undefined): Promise<void> {
  const [a, b] = link.ends;
  await withNetnsLinks(a!.netns, backend, async (la) => {
    if (!(await la.getLink(a!.ifname))) {
      const ref = openNamedNetns(b!.netns);
      try { await la.addVeth({ name: a!.ifname, peerName: b!.ifname, peerNetns: ref }); } finally { ref.close(); }
    }
    if (a!.cidr) await ensureAddr(la, a!.ifname, a!.cidr);
    await la.setLink(a!.ifname, { up: true });
  });
  await withNetnsLinks(b!.netns, backend, async (lb) => {
    if (b!.cidr) await ensureAddr(lb, b!.ifname, b!.cidr);
    await lb.setLink(b!.ifname, { up: true });
  });
}

/** impairedEnds — the interfaces a link's impairment goes on: each end's egress, in its netns. */
function impairedEnds(link: LinkModel, scope: LabScope): Array<{ netns: string | undefined; dev: string }> {
  const out: Array<{ netns: string | undefined; dev: string }> = [];
  for (const end of link.ends) {
    if (link.kind === 'underlay') {
      if (scope.as !== undefined && end.owner !== scope.as) continue;
      out.push({ netns: scope.as === undefined ? end.netns : undefined, dev: end.ifname });
    } else out.push({ netns: end.netns, dev: end.ifname });
  }
  return out;
}

/** applyLinkImpairments — every link's impairment (file or `lab netem`), batched per netns. */
export async function applyLinkImpairments(rec: LabRecord, scope: LabScope, root: string, only?: string): Promise<void> {
  const byNetns = new Map<string | undefined, Array<{ dev: string; impair: ReturnType<typeof effectiveImpairment> }>>();
  const hosts = new Map(rec.model.hosts.map((h) => [h.name, h]));
  for (const link of scope.links) {
    if (only !== undefined && link.name !== only) continue;
    const impair = effectiveImpairment(rec, link.name, link.impair);
    if (impair === undefined && only === undefined) continue; // nothing to set, nothing was set by up
    const ends = impairedEnds(link, scope);
    if (link.kind === 'attach') {
      // Traffic towards the node leaves the host by the veth's host end (named by the host's engine).
      const host = hosts.get(link.attach!.host)!;
      const hostIf = hostSideOf(rec, scope, root, host, link);
      if (hostIf) ends.push({ netns: hostNetnsName(scope, host), dev: hostIf });
    }
    for (const e of ends) {
      const list = byNetns.get(e.netns) ?? [];
      list.push({ dev: e.dev, impair });
      byNetns.set(e.netns, list);
    }
  }
  await Promise.all([...byNetns].map(([netns, items]) => applyImpairments(netns, items)));
}

/** hostSideOf — the host end of an attachment, from the host's state (its name hashes the root id). */
export function hostSideOf(rec: LabRecord, scope: LabScope, root: string, host: HostModel, link: LinkModel): string | undefined {
  const node = rec.model.nodes.find((n) => n.name === link.attach!.node)!;
  const ctx = new EngineContext({ root: scope.as === undefined ? hostRoot(root, rec.model.name, host.name) : root });
  let ref: ReturnType<typeof openNamedNetns> | undefined;
  try {
    ref = openNamedNetns(node.netns);
    return ctx.attachments.find(netnsIdOfFd(ref.fd)!, link.attach!.ctrIf)?.hostIf;
  } catch {
    return undefined;
  } finally {
    ref?.close();
    ctx.close();
  }
}

/** applyLinkStates — links recorded as down (`lab link L down`) are taken down again after an up. */
export async function applyLinkStates(rec: LabRecord, scope: LabScope, backend: LinkOpsBackend | undefined): Promise<void> {
  for (const name of rec.linksDown) {
    const link = scope.links.find((l) => l.name === name);
    if (link) await setLinkState(rec, scope, link, false, backend);
  }
}
