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
import type { NetworkRecord } from '../state/networks.js';
import { attachmentView, type AttachmentView } from './view.js';

/** up: link up with carrier; down: exists but not; missing: the netns is there, the interface not; gone: the netns is. */
export type LiveState = 'up' | 'down' | 'missing' | 'gone' | 'removed';

export interface LiveView extends AttachmentView {
  /** The tsnet network whose bridge this is, or null (a plain bridge or NIC). */
  network: string | null;
  /** The IPv6 default gateway (`gateway` is then the IPv4 one only). */
  gateway6: string | null;
  state: LiveState;
}

/**
 * withNetwork — the view with its tsnet network and both gateways. The record keeps the one
 * gateway given (either family) or, for a network's automatic address, the network's IPv4
 * gateway; a dual-stack network's guest got the network's IPv6 default route with it.
 */
function withNetwork(ctx: EngineContext, view: AttachmentView): Omit<LiveView, 'state'> {
  const net: NetworkRecord | undefined = view.kind === 'veth' ? ctx.networks.byBridge(view.attachedTo) : undefined;
  const given = view.gateway;
  const v6Given = given !== null && given.includes(':');
  const viaNetwork6 = !v6Given && net?.gateway6 && given === net.gateway && view.addresses.some((a) => a.includes(':')) ? net.gateway6 : null;
  return { ...view, network: net?.name ?? null, gateway: v6Given ? null : given, gateway6: v6Given ? given : viaNetwork6 };
}

export async function liveView(ctx: EngineContext, rec: AttachmentRecord, view: AttachmentView): Promise<LiveView> {
  const shown = withNetwork(ctx, view);
  const ref = rec.spec['guest'] as GuestRef | undefined;
  const guest = ref && typeof ref === 'object' && 'kind' in ref ? tryResolveGuest(ref, ctx.containerLookup) : undefined;
  if (!guest || guest.netnsId !== rec.netnsId) {
    guest?.close();
    return { ...shown, state: 'gone' };
  }
  try {
    const links = await ctx.guestLinks(guest);
    try {
      const link = await links.getLink(rec.ctrIf);
      if (!link) return { ...shown, state: 'missing' };
      return { ...shown, mac: view.mac ?? link.mac, state: link.up && link.carrier ? 'up' : 'down' };
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
  return { ...withNetwork(ctx, view), state: 'removed' };
}
