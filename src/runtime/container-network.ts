/**
 * container-network — a container's network namespace made ready before its process runs,
 * and taken apart after it exits. Docker's order: the networks it is connected to become
 * eth0, eth1, ... (each with the network's next address, or --ip/--mac-address), -p ports
 * are published on eth0's network, then whatever `tsnet attach` had put into it before is
 * attached again (pipework #6). At teardown those extra attachments are remembered for the
 * next start, everything is detached (ports, addresses, DHCP leases, veths), and the netns
 * pin goes.
 */
import type { EngineContext } from '../engine/context.js';
import type { AttachRequest } from '../attach/spec.js';
import type { GuestRef } from '../netns/guest-ref.js';
import { TsnetError } from '../core/errors.js';
import { DEFAULT_NETWORK } from '../network/network-name.js';
import type { ContainerRecord } from '../state/containers.js';
import { MNT_DETACH, umount2 } from '../storage/libc.js';
import { rmSync, unlinkSync } from 'node:fs';
import { ensureKeeper } from '../dhcp/supervise.js';
import { readyFile } from '../dns/service.js';

/* tsnet-lint-disable no-require -- the network engine loads only when a container has networks or attachments */
// The network engine is loaded only when a container has networks or attachments: a
// --network none start does not pay for it.
const engine = {
  attach: () => require('../attach/attach.js') as typeof import('../attach/attach.js'),
  detach: () => require('../attach/detach.js') as typeof import('../attach/detach.js'),
  ports: () => require('../network/ports.js') as typeof import('../network/ports.js'),
  defaultNetwork: () => require('../network/default-network.js') as typeof import('../network/default-network.js'),
};
/* tsnet-lint-enable no-require */

export function containerGuest(c: ContainerRecord): GuestRef {
  return { kind: 'container', name: c.name };
}

/** ifNameAt — Docker numbers a container's interfaces by connection order: eth0, eth1, ... */
export function ifNameAt(index: number): string {
  return `eth${index}`;
}

/** connectNetworks — eth0.. on the container's networks, its ports, and the remembered attachments. */
export async function connectNetworks(ctx: EngineContext, c: ContainerRecord, ports: readonly string[]): Promise<string[]> {
  const warnings: string[] = [];
  const guest = containerGuest(c);
  const nets = ctx.containers.networks(c.id);
  for (const [i, n] of nets.entries()) {
    const network = ctx.networks.get(n.network) ?? (n.network === DEFAULT_NETWORK ? (await engine.defaultNetwork().initDefaultNetwork(ctx)).network : undefined);
    if (!network) throw new TsnetError('ENOTFOUND', `network ${n.network} of container ${c.name} no longer exists; tsnet network disconnect ${n.network} ${c.name}, or create it again`);
    const prefix = network.subnet.split('/')[1];
    const req: AttachRequest = {
      hostIf: { kind: 'name', name: network.name },
      guest,
      ctrIf: ifNameAt(i),
      ip: n.ip ? { mode: 'static', addresses: [{ family: 4, cidr: `${n.ip}/${prefix}` }], gateway: { family: 4, ip: network.gateway } } : { mode: 'network' },
      mac: n.mac ?? undefined,
      directPhys: false,
    };
    await engine.attach().attach(ctx, req);
  }
  if (ports.length > 0) {
    if (nets.length === 0) throw new TsnetError('EINVAL', `container ${c.name} has no network to publish ports on`);
    await engine.ports().publishPorts(ctx, guest, [...ports], { ctrIf: ifNameAt(0) });
  }
  for (const r of ctx.containers.reattachRequests(c.id)) {
    try {
      await engine.attach().attach(ctx, { ...(r.request as AttachRequest), guest });
    } catch (e) {
      warnings.push(`could not attach ${r.ctrIf} again: ${(e as Error).message}`);
    }
  }
  return warnings;
}

/**
 * disconnectNetworks — remembers the attachments `tsnet attach` made (not the container's
 * own ethN), detaches everything, and removes the netns pin. Best effort: returns warnings.
 */
export async function disconnectNetworks(ctx: EngineContext, c: ContainerRecord): Promise<string[]> {
  const warnings: string[] = [];
  const guest = containerGuest(c);
  const atts = ctx.attachments.forGuest(undefined, `container:${c.name}`);
  const own = ownBridges(ctx, c);
  for (const a of atts) {
    if (!own.has(a.hostTarget)) ctx.containers.saveReattach(c.id, a.ctrIf, a.spec);
  }
  try {
    const r = atts.length > 0 ? await engine.detach().detach(ctx, guest) : { warnings: [] };
    warnings.push(...r.warnings);
  } catch (e) {
    warnings.push(`detach: ${(e as Error).message}`);
  }
  if (c.netns) unpin(c.netns);
  // The embedded DNS holds sockets in this netns: tell it to let go (and stop answering for it).
  if (ctx.containers.networks(c.id).some((n) => n.network !== DEFAULT_NETWORK)) {
    rmSync(readyFile(ctx.root, c.id), { force: true });
    try { ensureKeeper(ctx, true); } catch (e) { warnings.push(`could not tell the lease keeper: ${(e as Error).message}`); }
  }
  return warnings;
}

/** ownBridges — the bridges of the container's own networks (its other attachments are `tsnet attach`'s). */
function ownBridges(ctx: EngineContext, c: ContainerRecord): Set<string> {
  const names = new Set(ctx.containers.networks(c.id).map((n) => n.network));
  return new Set(ctx.networks.all().filter((n) => names.has(n.name)).map((n) => n.bridge));
}

/** unpin — the netns bind mount and its file; absent or in another mount namespace is fine. */
export function unpin(path: string): void {
  try { umount2(path, MNT_DETACH); } catch { /* not mounted here */ }
  try { unlinkSync(path); } catch { /* gone already */ }
}
