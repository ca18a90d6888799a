/**
 * gc (attachments) — reconciles attachments with the kernel after crashes or guests that
 * died without a detach: records whose guest netns is gone or whose interface vanished are
 * cleaned up and removed; host interfaces with this root's prefix that no record owns are
 * deleted; bridges tsnet created that nothing uses any more are removed. network/gc.ts runs
 * these around its network repair (`tsnet gc`). Reports every action.
 */
import { ownedPrefix } from '../core/names.js';
import { tryResolveGuest, type ResolvedGuest } from '../netns/guest.js';
import type { AttachmentRecord } from '../state/attachments.js';
import { guestFromText } from '../netns/guest-ref.js';
import type { EngineContext } from '../engine/context.js';
import { removeAttachment, removeBridgeIfUnused } from './detach.js';

export interface AttachmentGcReport {
  removedRecords: string[];
  removedLinks: string[];
  removedBridges: string[];
  errors: string[];
}

/**
 * gcAttachments — stale records and orphaned host interfaces, removed. Each guest is
 * resolved and listed once for all its records (one netlink socket per guest, not per
 * interface: a root with 1000 attachments in 100 guests opens 100).
 */
export async function gcAttachments(ctx: EngineContext, report: AttachmentGcReport, dryRun: boolean): Promise<void> {
  const host = await ctx.hostLinks();
  const byGuest = new Map<string, AttachmentRecord[]>();
  for (const rec of ctx.attachments.all()) byGuest.set(rec.guest, [...(byGuest.get(rec.guest) ?? []), rec]);
  for (const [name, records] of byGuest) {
    let guest;
    let links = new Set<string>();
    try {
      guest = tryResolveGuest(guestFromText(name), ctx.containerLookup);
      if (guest) {
        const inGuest = await ctx.guestLinks(guest);
        try { links = new Set((await inGuest.listLinks()).map((l) => l.name)); } finally { inGuest.close(); }
      }
    } catch (e) {
      report.errors.push(`${name}: ${(e as Error).message}`); // one bad guest never stops the rest
      guest?.close();
      continue;
    }
    try {
      for (const rec of records) await gcRecord(ctx, rec, guest && guest.netnsId === rec.netnsId ? guest : undefined, links, report, dryRun);
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

/** gcRecord — one record: kept while its interface is in its guest, else cleaned up and removed. */
async function gcRecord(ctx: EngineContext, rec: AttachmentRecord, alive: ResolvedGuest | undefined, links: ReadonlySet<string>, report: AttachmentGcReport, dryRun: boolean): Promise<void> {
  if (alive && links.has(rec.ctrIf)) return;
  const why = alive ? `${rec.ctrIf} is gone from the guest` : 'guest netns is gone';
  try {
    if (!dryRun) {
      const errors = await removeAttachment(ctx, rec, alive, []);
      if (errors.length > 0) { report.errors.push(...errors); return; }
      ctx.attachments.remove(rec.id);
    }
    report.removedRecords.push(`${rec.guest} ${rec.ctrIf} (${why})`);
  } catch (e) {
    report.errors.push(`${rec.guest} ${rec.ctrIf}: ${(e as Error).message}`); // one bad record never stops the rest
  }
}

/** gcBridges — bridges tsnet created for attachments that nothing uses any more, removed. */
export async function gcBridges(ctx: EngineContext, report: AttachmentGcReport, dryRun: boolean): Promise<void> {
  if (dryRun) return;
  for (const bridge of ctx.createdBridges.all()) {
    if (await removeBridgeIfUnused(ctx, bridge, report.errors)) report.removedBridges.push(bridge);
  }
}
