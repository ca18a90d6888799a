/**
 * network-remove — `network rm` (and prune's removals): what keeps a network in use, decided
 * under the host lock, and taking a network down piece by piece so that an interrupted rm is
 * finished by running it again (network/resolve.ts).
 */
import { TsnetError } from '../core/errors.js';
import { networkObject, runIntent, type Intent } from '../core/intent.js';
import { ownerAlive } from '../core/owner.js';
import type { EngineContext } from '../engine/context.js';
import type { NetworkRecord } from '../state/networks.js';
import { networkFirewall as firewallOf } from '../nat/firewall.js';
import { ensureKeeper } from '../dhcp/supervise.js';
import { validateNetworkName } from './network-name.js';
import { gatewayCidrs } from './network.js';

/**
 * removeNetwork — refuses while anything uses it; removes its bridge (if tsnet made it) or its
 * gateway addresses. A dry run runs every check the real removal runs and changes nothing. With
 * `unusedByContainers` (network prune), a network that a container's list names is in use too.
 */
export async function removeNetwork(ctx: EngineContext, name: string, opts: { dryRun?: boolean | undefined; unusedByContainers?: boolean } = {}): Promise<NetworkRecord> {
  validateNetworkName(name);
  return ctx.hostLock.withLock(`remove network ${name}`, () => removeLocked(ctx, name, { dryRun: opts.dryRun ?? false, containers: opts.unusedByContainers }));
}

/**
 * networkUsers — what keeps a network in use, decided under the host lock: the attachments on
 * its bridge, the attaches to it in progress (their records are written under the same lock
 * only while the network exists: attach/attach.ts admitToNetwork), and with `containers` (prune)
 * the containers whose network list names it, stopped ones too, which would fail to start.
 */
function networkUsers(ctx: EngineContext, n: NetworkRecord, opts: RemoveOptions): string[] {
  const attached = ctx.attachments.all().filter((a) => a.hostTarget === n.bridge).map((u) => `${u.guest} ${u.ctrIf}`);
  const attaching = ctx.intents.withPrefix('attachment:')
    .filter((r) => r.op === 'attach' && r.data['target'] === n.bridge && ownerAlive(r.owner))
    .map((r) => `${String(r.data['label'])} (attaching, pid ${r.owner.pid})`);
  const containers = opts.containers ? ctx.containers.containersOn(n.name).map((c) => `container ${c}`) : [];
  return [...new Set([...attached, ...attaching, ...containers])];
}

interface RemoveOptions { dryRun: boolean; containers?: boolean | undefined }

async function removeLocked(ctx: EngineContext, name: string, opts: RemoveOptions): Promise<NetworkRecord> {
  const dryRun = opts.dryRun;
  if (!dryRun) await ctx.settle(networkObject(name));
  const n = ctx.networks.get(name);
  if (!n) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
  const users = networkUsers(ctx, n, opts);
  if (users.length > 0) {
    throw new TsnetError('ECONFLICT', `network ${name} is in use by ${users.slice(0, 3).join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''}; ${opts.containers ? 'detach or disconnect them' : 'detach them'} first`);
  }
  if (dryRun) return n;
  await runIntent(ctx, { op: 'network-rm', object: networkObject(name), data: { label: `network ${name}`, name, network: n } }, (intent) => takeDown(ctx, n, intent));
  return n;
}

/**
 * takeDown — a network's pieces removed, each quiet when already gone, so that an
 * interrupted rm is finished by running it again (network/resolve.ts): firewall, bridge
 * (or the gateway addresses tsnet gave a -b bridge), the row, then the host-wide chains
 * once no network is left.
 */
export async function takeDown(ctx: EngineContext, n: NetworkRecord, intent?: Intent): Promise<void> {
  const host = await ctx.hostLinks();
  const fw = await ctx.firewall();
  intent?.step('firewall');
  if (n.firewall) await fw.uninstallNetwork(firewallOf(n));
  intent?.step('bridge');
  if (n.bridgeCreated) await host.deleteLink(n.bridge);
  else for (const cidr of gatewayCidrs(n)) await host.delAddr(n.bridge, cidr);
  intent?.step('forget');
  ctx.networks.remove(n.name); // its DHCP server and leases go with it (ON DELETE CASCADE)
  ensureKeeper(ctx, true);
  intent?.step('host-wide');
  if (ctx.networks.all().length === 0) await fw.uninstallBase();
}
