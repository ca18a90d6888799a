/**
 * gc (attachments) — reconciles attachments with the kernel after crashes or guests that
 * died without a detach: records whose guest netns is gone or whose interface vanished are
 * cleaned up and removed; host interfaces with this root's prefix that no record owns are
 * deleted; bridges tsnet created that nothing uses any more are removed. network/gc.ts runs
 * these around its network repair (`tsnet gc`). Reports every action.
 */
import { ownedPrefix } from '../core/names.js';
import { tryResolveGuest } from '../netns/guest.js';
import { guestFromText } from '../netns/guest-ref.js';
import type { EngineContext } from '../engine/context.js';
import { removeAttachment, removeBridgeIfUnused } from './detach.js';

export interface AttachmentGcReport {
  removedRecords: string[];
  removedLinks: string[];
  removedBridges: string[];
  errors: string[];
}

/** gcAttachments — stale records and orphaned host interfaces, removed. */
export async function gcAttachments(ctx: EngineContext, report: AttachmentGcReport, dryRun: boolean): Promise<void> {
  const host = await ctx.hostLinks();
  for (const rec of ctx.attachments.all()) {
    let guest;
    try {
      guest = tryResolveGuest(guestFromText(rec.guest), ctx.containerLookup);
    } catch (e) {
      report.errors.push(`${rec.guest} ${rec.ctrIf}: ${(e as Error).message}`);
      continue;
    }
    const alive = guest && guest.netnsId === rec.netnsId ? guest : undefined;
    try {
      const inGuest = alive ? await ctx.guestLinks(alive) : undefined;
      const present = inGuest ? (await inGuest.getLink(rec.ctrIf)) !== undefined : false;
      inGuest?.close();
      if (present) continue;
      const why = alive ? `${rec.ctrIf} is gone from the guest` : 'guest netns is gone';
      if (!dryRun) {
        const errors = await removeAttachment(ctx, rec, alive, []);
        if (errors.length > 0) { report.errors.push(...errors); continue; }
        ctx.attachments.remove(rec.id);
      }
      report.removedRecords.push(`${rec.guest} ${rec.ctrIf} (${why})`);
    } catch (e) {
      report.errors.push(`${rec.guest} ${rec.ctrIf}: ${(e as Error).message}`); // one bad record never stops the rest
    } finally {
      guest?.close();
    }
  }
  const owned = new Set(ctx.attachments.all().filter((r) => r.kind === 'veth').map((r) => r.hostIf));
  const prefix = ownedPrefix(ctx.rootId);
  for (const link of await host.listLinks()) {
    if (!link.name.startsWith(prefix) || owned.has(link.name)) continue;
    try {
      if (!dryRun) await host.deleteLink(link.name);
      report.removedLinks.push(link.name);
    } catch (e) {
      report.errors.push(`delete ${link.name}: ${(e as Error).message}`);
    }
  }
}

/** gcBridges — bridges tsnet created for attachments that nothing uses any more, removed. */
export async function gcBridges(ctx: EngineContext, report: AttachmentGcReport, dryRun: boolean): Promise<void> {
  if (dryRun) return;
  for (const bridge of ctx.createdBridges.all()) {
    if (await removeBridgeIfUnused(ctx, bridge, report.errors)) report.removedBridges.push(bridge);
  }
}
