/**
 * connect — `tsnet network connect|disconnect NETWORK CONTAINER`, Docker's way: the network
 * joins the container's list (so every later start connects it too), and a running
 * container gets its interface now, the next ethN after the ones it has (and its /etc files
 * and embedded DNS follow). Disconnect is the reverse. Connecting twice, or disconnecting what is not connected, changes nothing.
 */
import type { EngineContext } from '../engine/context.js';
import { TsnetError } from '../core/errors.js';
import { containerObject, runIntent } from '../core/intent.js';
import { DEFAULT_NETWORK } from '../network/network-name.js';
import type { ContainerRecord } from '../state/containers.js';
import { containerGuest } from './container-network.js';
import { refreshEtcFiles } from './etc-writer.js';
import { storedConfig } from './create.js';
import { reconcile, requireContainer } from './reconcile.js';
import { BRIDGE_MODE, validateSpec } from './spec.js';

/* tsnet-lint-disable no-require -- the network engine loads only when a container is connected or disconnected */
const engine = {
  attach: () => require('../attach/attach.js') as typeof import('../attach/attach.js'),
  detach: () => require('../attach/detach.js') as typeof import('../attach/detach.js'),
  defaultNetwork: () => require('../network/default-network.js') as typeof import('../network/default-network.js'),
};
/* tsnet-lint-enable no-require */

export interface ContainerConnectSpec { network: string; ip?: string | undefined; aliases?: string[] | undefined }

/** nextIfName — the lowest ethN (N ≥ 0) the container does not have. */
function nextIfName(ctx: EngineContext, c: ContainerRecord): string {
  const taken = new Set(ctx.attachments.forGuest(undefined, `container:${c.name}`).map((a) => a.ctrIf));
  for (let n = 0; ; n++) if (!taken.has(`eth${n}`)) return `eth${n}`;
}

export async function connectContainer(ctx: EngineContext, text: string, spec: ContainerConnectSpec): Promise<{ changed: boolean; message: string; warnings: string[] }> {
  const name = spec.network === BRIDGE_MODE ? DEFAULT_NETWORK : spec.network;
  validateSpec({ image: 'x', networks: [{ network: name, ip: spec.ip, aliases: spec.aliases }] });
  const c = await reconcile(ctx, requireContainer(ctx, text));
  await ctx.settle(containerObject(c.id)); // an earlier connect killed midway is settled before this one looks at the list
  const mode = storedConfig(c).spec.networkMode?.kind ?? 'networks';
  if (mode !== 'networks' && mode !== 'none') throw new TsnetError('EINVAL', `container ${c.name} uses --network ${mode}: it has no network namespace of its own to connect`);
  const network = ctx.networks.get(name) ?? (name === DEFAULT_NETWORK ? (await engine.defaultNetwork().initDefaultNetwork(ctx)).network : undefined);
  if (!network) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
  // Choosing the next ethN and taking it are one step: two connects of one container at the
  // same moment both chose eth1 otherwise, and the second failed on the host-side name.
  const outcome = await ctx.hostLock.withLock(`connect container ${c.name} to ${name}`, async () => {
    if (ctx.containers.networks(c.id).some((n) => n.network === name)) return { changed: false, running: false, message: `${c.name} is already connected to ${name}; nothing to do` };
    // Looked at again under the lock: a network rm or prune may have removed it meanwhile.
    if (!ctx.networks.get(name)) throw new TsnetError('ENOTFOUND', `network ${name} was removed meanwhile (see tsnet network ls)`);
    const entry = { network: name, ip: spec.ip ?? null, mac: null, aliases: spec.aliases ?? [] };
    if (c.state !== 'running') {
      ctx.containers.addNetwork(c.id, entry);
      return { changed: true, running: false, message: `${c.name} will be connected to ${name} when it starts` };
    }
    const ctrIf = nextIfName(ctx, c);
    // The list entry and the interface are one change: a kill -9 between them leaves a record
    // whose resolver (connectResolver) takes the entry back unless the interface was made.
    return runIntent(ctx, { op: 'container-connect', object: containerObject(c.id), data: { label: `container ${c.name} to ${name}`, network: name, ctrIf } }, async (intent) => {
      intent.step('list');
      ctx.containers.addNetwork(c.id, entry);
      try {
        intent.step('attach');
        await engine.attach().attach(ctx, {
          hostIf: { kind: 'name', name }, guest: containerGuest(c), ctrIf, directPhys: false,
          ip: spec.ip ? { mode: 'static', addresses: [{ family: 4, cidr: `${spec.ip}/${network.subnet.split('/')[1]}` }], gateway: { family: 4, ip: network.gateway } } : { mode: 'network' },
        });
      } catch (e) {
        ctx.containers.removeNetwork(c.id, name);
        throw e;
      }
      return { changed: true, running: true, message: `connected ${c.name} ${ctrIf} to ${name}` };
    });
  });
  // Its /etc files follow (outside the lock: the embedded DNS may take a moment to answer).
  return { changed: outcome.changed, message: outcome.message, warnings: outcome.running ? await refreshEtcFiles(ctx, c) : [] };
}

export async function disconnectContainer(ctx: EngineContext, text: string, network: string): Promise<{ changed: boolean; message: string; warnings: string[] }> {
  const name = network === BRIDGE_MODE ? DEFAULT_NETWORK : network;
  const c = await reconcile(ctx, requireContainer(ctx, text));
  const bridge = ctx.networks.get(name)?.bridge;
  // An interface on the network is removed even when the list no longer names it: a
  // disconnect killed between the two is finished by running it again.
  const listed = ctx.containers.removeNetwork(c.id, name);
  const interfaces = ctx.attachments.forGuest(undefined, `container:${c.name}`).filter((x) => x.hostTarget === bridge);
  if (!listed && interfaces.length === 0) return { changed: false, message: `${c.name} is not connected to ${name}; nothing to do`, warnings: [] };
  const warnings: string[] = [];
  for (const a of interfaces) warnings.push(...(await engine.detach().detach(ctx, containerGuest(c), a.ctrIf)).warnings);
  warnings.push(...await refreshEtcFiles(ctx, c));
  return { changed: true, message: `disconnected ${c.name} from ${name}`, warnings };
}
