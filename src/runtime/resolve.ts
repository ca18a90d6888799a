/**
 * resolve — how an interrupted container operation is settled (engine/settle.ts runs these
 * resolvers, listed in engine/intent-resolvers.ts, for intent records whose tsnet process
 * died): a create is undone (its directory and row
 * go), a start is undone (the process killed, network, netns pin and cgroups freed, the
 * container back to how it was), a stop or an rm is finished. Each works from the row and
 * the kernel as they are now, whatever step the record stopped at, and may run twice.
 * A `network connect` of a running container is undone unless its interface was made.
 */
import type { EngineContext } from '../engine/context.js';
import { attachmentObject } from '../core/intent.js';
import { tryResolveGuest } from '../netns/guest.js';
import { removePath } from '../storage/remove-tree.js';
import type { IntentRecord } from '../state/intents.js';
import { containerDirs, removeCgroups } from './cgroups.js';
import { containerGuest, disconnectNetworks, unpin } from './container-network.js';
import { containerPaths, netnsPin } from './paths.js';
import { finalizeSteps, killNow, removeFiles } from './reconcile.js';

function idOf(rec: IntentRecord): string {
  return rec.object.slice('container:'.length);
}

export const createResolver = {
  outcome: 'undone' as const,
  async settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const id = idOf(rec);
    const c = ctx.containers.byId(id);
    if (c && c.state !== 'created') return 'it had been started since';
    if (c) ctx.containers.remove(id);
    removePath(containerPaths(ctx.root, id).dir);
    return 'its directory and record removed';
  },
};

export const startResolver = {
  outcome: 'undone' as const,
  async settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const id = idOf(rec);
    const c = ctx.containers.byId(id);
    if (!c) return '';
    if (c.state === 'running') return 'it had started';
    await killNow(c);
    const warnings = await disconnectNetworks(ctx, c);
    unpin(netnsPin(id));
    removeCgroups(containerDirs(ctx.rootId, id));
    const before = rec.data['before'] === 'created' ? 'created' : 'exited';
    ctx.containers.setStopped(id, { state: before, exitCode: c.exitCode, finishedAt: c.finishedAt, error: 'its start was interrupted' });
    return `back to ${before}${warnings.length ? ` (${warnings.join('; ')})` : ''}`;
  },
};

export const stopResolver = {
  outcome: 'finished' as const,
  async settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const c = ctx.containers.byId(idOf(rec));
    if (!c || c.state === 'exited' || c.state === 'created') return '';
    await killNow(c);
    await finalizeSteps(ctx, c);
    return 'exit recorded, network and cgroups freed';
  },
};

export const removeResolver = {
  outcome: 'finished' as const,
  async settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const id = idOf(rec);
    const c = ctx.containers.byId(id);
    if (c) {
      removeFiles(ctx, c);
      ctx.containers.remove(id);
    } else {
      removePath(containerPaths(ctx.root, id).dir);
    }
    return 'removed';
  },
};

export const connectResolver = {
  outcome: 'undone' as const,
  async settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const c = ctx.containers.byId(idOf(rec));
    const network = String(rec.data['network']);
    if (!c) return '';
    // Its attach has a record of its own: settled first, so what is left is what was made.
    const guest = c.state === 'running' ? tryResolveGuest(containerGuest(c), ctx.containerLookup) : undefined;
    try {
      if (guest) await ctx.settle(attachmentObject(guest.netnsId, String(rec.data['ctrIf'])));
    } finally { guest?.close(); }
    const bridge = ctx.networks.get(network)?.bridge;
    if (ctx.attachments.forGuest(undefined, `container:${c.name}`).some((a) => a.hostTarget === bridge)) return 'it had connected';
    return ctx.containers.removeNetwork(c.id, network) ? `${network} taken off its networks` : '';
  },
};
