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
import { attachmentView, type AttachmentView } from './view.js';

/** up: link up with carrier; down: exists but not; missing: the netns is there, the interface not; gone: the netns is. */
export type LiveState = 'up' | 'down' | 'missing' | 'gone' | 'removed';

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

/** liveViews — each record with its view (and its lease) and a look at the kernel: what ls and inspect print. */
export async function liveViews(ctx: EngineContext, records: readonly AttachmentRecord[]): Promise<LiveView[]> {
  const out: LiveView[] = [];
  for (const a of records) out.push(await liveView(ctx, a, attachmentView(a, ctx.dhcpLeases.get(a.id))));
  return out;
}

/** removedView — an attachment detach just removed: its view as it was, state "removed". */
export function removedView(ctx: EngineContext, view: AttachmentView): LiveView {
  const network = view.kind === 'veth' ? (ctx.networks.byBridge(view.attachedTo)?.name ?? null) : null;
  return { ...view, network, state: 'removed' };
}
