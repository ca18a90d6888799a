/**
 * live-state — what `ls` and `inspect` show next to an attachment's record: a cheap look
 * at the kernel (is the guest's netns still the one attached to, does the interface exist,
 * is it up with carrier, its real MAC) and the tsnet network that owns the bridge, so a
 * guest whose namespace is gone no longer looks healthy until gc.
 */
import type { EngineContext } from '../engine/context.js';
import type { GuestRef } from '../netns/guest-ref.js';
import { tryResolveGuest } from '../netns/guest.js';
import type { AttachmentRecord } from '../state/attachments.js';
import type { AttachmentView } from './view.js';

/** up: link up with carrier; down: exists but not; missing: the netns is there, the interface not; gone: the netns is. */
export type LiveState = 'up' | 'down' | 'missing' | 'gone';

export interface LiveView extends AttachmentView {
  /** The tsnet network whose bridge this is, or null (a plain bridge or NIC). */
  network: string | null;
  state: LiveState;
}

export async function liveView(ctx: EngineContext, rec: AttachmentRecord, view: AttachmentView): Promise<LiveView> {
  const network = rec.kind === 'veth' ? (ctx.networks.byBridge(rec.hostTarget)?.name ?? null) : null;
  const ref = rec.spec['guest'] as GuestRef | undefined;
  const guest = ref && typeof ref === 'object' && 'kind' in ref ? tryResolveGuest(ref, ctx.containerLookup) : undefined;
  if (!guest || guest.netnsId !== rec.netnsId) {
    guest?.close();
    return { ...view, network, state: 'gone' };
  }
  try {
    const links = await ctx.guestLinks(guest);
    try {
      const link = await links.getLink(rec.ctrIf);
      if (!link) return { ...view, network, state: 'missing' };
      return { ...view, network, mac: view.mac ?? link.mac, state: link.up && link.carrier ? 'up' : 'down' };
    } finally {
      links.close();
    }
  } finally {
    guest.close();
  }
}
