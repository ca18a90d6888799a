/**
 * detach — removes what attach made, best-effort and idempotent: interfaces, VLAN
 * sub-interfaces, the state rows, a bridge tsnet created once nothing uses it, and it
 * restores a default route that attach replaced. Works when the guest's netns is already
 * gone (its interfaces died with it; only host-side leftovers and rows remain).
 */
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import type { LinkOps } from '../netlink/linkops.js';
import { openCurrentNetns, tryResolveGuest, type ResolvedGuest } from '../netns/guest.js';
import type { AttachmentRecord } from '../state/attachments.js';
import type { EngineContext } from '../engine/context.js';
import { describeGuest, type GuestRef } from '../netns/guest-ref.js';
import { attachmentView, type AttachmentView } from './view.js';
import { vlanSubIfName } from './vlan.js';
import { bridgeInUse } from '../bridge/bridge.js';
import { releaseAtDetach } from './dhcp-steps.js';
import { attachmentObject, runIntent } from '../core/intent.js';

export interface DetachResult {
  removed: AttachmentView[];
  /** Things that could not be undone, one line each; the command still succeeds. */
  warnings: string[];
  message: string;
}

export async function detach(ctx: EngineContext, ref: GuestRef, ctrIf?: string, opts: { dryRun?: boolean } = {}): Promise<DetachResult> {
  const guest = tryResolveGuest(ref, ctx.containerLookup);
  try {
    if (!opts.dryRun) await settleGuest(ctx, guest?.netnsId, describeGuest(ref), ctrIf);
    const records = ctx.attachments.forGuest(guest?.netnsId, describeGuest(ref), ctrIf);
    if (records.length === 0) {
      const what = `${describeGuest(ref)}${ctrIf ? ` ${ctrIf}` : ''}`;
      return { removed: [], warnings: [], message: `nothing attached to ${what}; nothing to do` };
    }
    if (opts.dryRun) {
      const views = records.map((r) => attachmentView(r));
      return { removed: views, warnings: [], message: `dry run: would detach ${views.map((v) => `${v.guest} ${v.interface} (${v.kind} on ${v.attachedTo})`).join(', ')}` };
    }
    const result: DetachResult = { removed: [], warnings: [], message: '' };
    for (const rec of records) {
      const alive = guest && guest.netnsId === rec.netnsId ? guest : undefined;
      const data = { label: `${rec.guest} ${rec.ctrIf}`, guest: rec.guest, netnsId: rec.netnsId, ctrIf: rec.ctrIf, kind: rec.kind, hostIf: rec.hostIf, target: rec.hostTarget };
      await runIntent(ctx, { op: 'detach', object: attachmentObject(rec.netnsId, rec.ctrIf), data }, async (intent) => {
        intent.step('remove-interface');
        const errors = await removeAttachment(ctx, rec, alive, result.warnings);
        if (errors.length === 0) {
          intent.step('forget');
          ctx.attachments.remove(rec.id);
          result.removed.push(attachmentView(rec));
        } else {
          result.warnings.push(...errors.map((e) => `${rec.guest} ${rec.ctrIf}: ${e} (record kept; tsnet gc retries)`));
        }
        if (rec.kind === 'veth') {
          intent.step('remove-bridge');
          await removeBridgeIfUnused(ctx, rec.hostTarget, result.warnings);
        }
      });
    }
    result.message = `detached ${result.removed.map((r) => `${r.guest} ${r.interface}`).join(', ') || 'nothing'}`;
    return result;
  } finally {
    guest?.close();
  }
}

/**
 * settleGuest — what killed attaches and detaches left on a guest's interfaces (all, or
 * ctrIf), finished or undone, found by its netns identity or by the name it was given.
 */
export async function settleGuest(ctx: EngineContext, netnsId: string | undefined, guestName: string, ctrIf?: string): Promise<void> {
  const mine = ctx.intents.withPrefix('attachment:').filter((r) =>
    (r.object.startsWith(`attachment:${netnsId}/`) || r.data['guest'] === guestName) && (ctrIf === undefined || r.data['ctrIf'] === ctrIf));
  for (const object of new Set(mine.map((r) => r.object))) await ctx.settle(object);
}

/**
 * removeAttachment — the kernel side of one record. Returns hard errors (the record is kept);
 * pushes soft ones (e.g. a default route that can no longer be restored) to warnings.
 */
export async function removeAttachment(ctx: EngineContext, rec: AttachmentRecord, guest: ResolvedGuest | undefined, warnings: string[]): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try { await fn(); } catch (e) { errors.push(`${what}: ${(e as Error).message}`); }
  };
  const host = await ctx.hostLinks();
  const inGuest = guest ? await ctx.guestLinks(guest) : undefined;
  try {
    await releaseAtDetach(ctx, rec.id, rec.ctrIf, guest, warnings);
    const ports = ctx.ports.forAttachment(rec.id); // their rows go with the record (ON DELETE CASCADE)
    if (ports.length > 0) await attempt('remove its published ports', async () => (await ctx.firewall()).unpublish(rec.hostTarget, [], ports));
    if (rec.kind === 'veth') {
      await attempt(`delete ${rec.hostIf}`, () => host.deleteLink(rec.hostIf));
    } else if (rec.kind === 'macvlan') {
      if (inGuest) await attempt(`delete ${rec.ctrIf}`, () => inGuest.deleteLink(rec.ctrIf));
      if (rec.vlan !== null && ctx.attachments.usersOf(rec.hostTarget) <= 1) {
        const sub = vlanSubIfName(rec.hostTarget, rec.vlan);
        await attempt(`delete ${sub}`, () => run(['ip', 'link', 'del', 'dev', sub], { allowFailure: true }));
      }
    } else if (inGuest && (await inGuest.getLink(rec.ctrIf))) {
      const home = openCurrentNetns();
      try {
        await attempt(`move ${rec.ctrIf} back`, () => inGuest.setLink(rec.ctrIf, { up: false, netns: home, newName: rec.hostIf }));
      } finally { home.close(); }
    } else if (!inGuest) {
      warnings.push(`${rec.hostIf} went back to the machine's initial network namespace when the guest's netns was destroyed`);
    }
    if (inGuest && rec.replacedDefault.length > 0) await restoreDefault(inGuest, rec, warnings);
  } finally {
    inGuest?.close();
  }
  return errors;
}

async function restoreDefault(inGuest: LinkOps, rec: AttachmentRecord, warnings: string[]): Promise<void> {
  for (const old of rec.replacedDefault) {
    const now = (await inGuest.listRoutes(old.family)).filter((r) => r.dst === 'default');
    if (now.length > 0) continue; // someone set a new default meanwhile: leave it
    try {
      await inGuest.addRoute({ family: old.family, dst: 'default', gateway: old.gateway, dev: old.dev, metric: old.metric });
    } catch (e) {
      warnings.push(`could not restore the default route via ${old.gateway ?? old.dev}: ${(e as TsnetError).message}`);
    }
  }
}

/** removeBridgeIfUnused — only bridges tsnet created, with no attachments, ports or addresses left. */
export async function removeBridgeIfUnused(ctx: EngineContext, bridge: string, warnings: string[]): Promise<boolean> {
  if (!ctx.createdBridges.has(bridge) || ctx.attachments.usersOf(bridge) > 0) return false;
  const host = await ctx.hostLinks();
  try {
    const inUse = await bridgeInUse(host, bridge);
    if (inUse === true) return false;
    if (inUse === false) await host.deleteLink(bridge);
    ctx.createdBridges.forget(bridge);
    return true;
  } catch (e) {
    warnings.push(`could not remove bridge ${bridge}: ${(e as Error).message}`);
    return false;
  }
}
