/**
 * resolve — how an interrupted attach or detach is settled (engine/settle.ts runs these
 * resolvers, listed in engine/intent-resolvers.ts, for intent records whose tsnet process
 * died): an attach is undone, a detach is finished. Both come down to the same thing, the
 * interface removed whatever step the record stopped at: from the attachment's row when
 * the record step had committed it, else from the facts the record carries (the host-side
 * name, the bridge it may have made). Every removal tolerates "already gone", so a resolver
 * interrupted in turn is simply run again.
 */
import type { EngineContext } from '../engine/context.js';
import type { IntentRecord } from '../state/intents.js';
import { tryResolveGuest } from '../netns/guest.js';
import { guestFromText } from '../netns/guest-ref.js';
import { removeAttachment, removeBridgeIfUnused } from './detach.js';

interface AttachFacts {
  guest: string;
  netnsId: string;
  ctrIf: string;
  kind?: string;
  hostIf?: string;
  target?: string;
  createBridge?: boolean;
}

/** removeWhatIsLeft — the interface, its row and a bridge the operation made, from what is there now. */
async function removeWhatIsLeft(ctx: EngineContext, f: AttachFacts): Promise<string> {
  const row = ctx.attachments.find(f.netnsId, f.ctrIf);
  const guest = tryResolveGuest(guestFromText(row?.guest ?? f.guest), ctx.containerLookup);
  const alive = guest && guest.netnsId === f.netnsId ? guest : undefined;
  const warnings: string[] = [];
  try {
    if (row) {
      const errors = await removeAttachment(ctx, row, alive, warnings);
      if (errors.length > 0) throw new Error(errors.join('; '));
      ctx.attachments.remove(row.id);
    } else if (f.kind === 'veth' && f.hostIf) {
      // Killed inside the record step: no row, and the veth comes after it; deleting a
      // missing link is quiet, and it keeps the resolver right should the order ever change.
      await (await ctx.hostLinks()).deleteLink(f.hostIf);
    }
    const target = row?.hostTarget ?? f.target;
    if (target && (row?.kind ?? f.kind) === 'veth') {
      // A bridge that did not exist when the attach planned was made by it (or a racing attach):
      // tsnet's either way, and removed once nothing uses it.
      if (f.createBridge && (await (await ctx.hostLinks()).getLink(target))) ctx.createdBridges.remember(target);
      await removeBridgeIfUnused(ctx, target, warnings);
    }
    return [row ? 'interface and record removed' : 'nothing had been made', ...warnings].join('; ');
  } finally {
    guest?.close();
  }
}

export const attachResolver = {
  outcome: 'undone' as const,
  settle: (ctx: EngineContext, rec: IntentRecord): Promise<string> => removeWhatIsLeft(ctx, rec.data as unknown as AttachFacts),
};

export const detachResolver = {
  outcome: 'finished' as const,
  settle: (ctx: EngineContext, rec: IntentRecord): Promise<string> => removeWhatIsLeft(ctx, rec.data as unknown as AttachFacts),
};
