/**
 * cni-records — CNI attachments in tsnet's state (src/cni is the plugin): ordinary attachment rows (so `tsnet ls`,
 * `tsnet network inspect` and `tsnet gc` see them) whose stored spec carries the runtime's
 * name for them (attach/spec.ts CniOwner). DEL and GC find them by that name, because the
 * runtime may no longer have the netns; removal goes through attach/detach.ts's
 * removeAttachment, which works with the netns gone (deleting the host end of the veth
 * takes the container end with it).
 */
import type { CniOwner } from '../attach/spec.js';
import { removeAttachment } from '../attach/detach.js';
import type { EngineContext } from '../engine/context.js';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.js';
import { tryResolveGuest } from '../netns/guest.js';
import type { GuestRef } from '../netns/guest-ref.js';
import type { IntentRecord } from '../state/intents.js';
import type { AttachmentRecord } from '../state/attachments.js';

/**
 * cniGuestRef — CNI_NETNS as a guest: /proc/PID/ns/net (what containerd and cri-o pass for a
 * process's netns) is that process's, since path guests refuse symbolic links; anything else
 * (/run/netns/…, /var/run/netns/…) is the file itself.
 */
export function cniGuestRef(netnsPath: string): GuestRef {
  const m = /^\/proc\/(\d+)\/ns\/net$/.exec(netnsPath);
  return m ? { kind: 'pid', pid: Number(m[1]) } : { kind: 'path', path: netnsPath };
}

/** cniObject — the intent object of one CNI attachment (core/intent.ts). */
export function cniObject(o: CniOwner): string {
  return `cni:${o.network}/${o.containerId}/${o.ifname}`;
}

/** ownerOf — the CNI name stored with a record, if a CNI runtime made it. */
export function ownerOf(rec: AttachmentRecord): CniOwner | undefined {
  const c = rec.spec['cni'] as Partial<CniOwner> | undefined;
  return c && typeof c.network === 'string' && typeof c.containerId === 'string' && typeof c.ifname === 'string'
    ? { network: c.network, containerId: c.containerId, ifname: c.ifname } : undefined;
}

/** cniRecords — the CNI attachments of a network (all of them, or one container's interface). */
export function cniRecords(ctx: EngineContext, network: string, match?: { containerId: string; ifname: string }): AttachmentRecord[] {
  return ctx.attachments.cniOwned(network, match && { containerId: match.containerId, ifname: match.ifname });
}

/**
 * removeCniRecord — the kernel side (veth, published ports, their rules) and the row. The
 * netns is used only when it is still the one the record was made in. Returns errors (the
 * row is then kept, so a later DEL or GC retries).
 */
export async function removeCniRecord(ctx: EngineContext, rec: AttachmentRecord, netnsPath?: string): Promise<string[]> {
  // A veth goes with its host end, so the netns is only needed to put back a default route
  // the attach replaced (entering it costs two setns calls).
  const needsGuest = rec.kind !== 'veth' || rec.replacedDefault.length > 0;
  const guest = netnsPath && needsGuest ? tryResolveGuestQuietly(netnsPath) : undefined;
  try {
    const alive = guest && guest.netnsId === rec.netnsId ? guest : undefined;
    const errors = await removeAttachment(ctx, rec, alive, []);
    if (errors.length === 0) ctx.attachments.remove(rec.id);
    return errors;
  } finally {
    guest?.close();
  }
}

function tryResolveGuestQuietly(path: string): ReturnType<typeof tryResolveGuest> {
  try {
    return tryResolveGuest(cniGuestRef(path));
  } catch {
    return undefined; // not a netns file any more, or tsnet's own: nothing inside to tidy
  }
}

/** locatePlugin — the executable named `type` in the CNI_PATH dirs, if any. */
export function locatePlugin(type: string, path: readonly string[]): string | undefined {
  for (const dir of path) {
    const file = join(dir, type);
    try { accessSync(file, constants.X_OK); return file; } catch { /* next */ }
  }
  return undefined;
}

/**
 * removeRecorded — how `tsnet gc`, or the next CNI call on the same attachment, settles what
 * a killed plugin left (engine/intent-resolvers.ts): the attachment and its veth removed, and
 * a delegated IPAM plugin given its DEL with the recorded config and environment. Works from
 * state and the names in the record, so it is the same for an interrupted ADD (undone) and
 * an interrupted DEL (finished).
 */
async function removeRecorded(ctx: EngineContext, rec: IntentRecord): Promise<string> {
  const d = rec.data as { network?: string; containerId?: string; ifname?: string; ipam?: string; stdin?: string; env?: Record<string, string> };
  if (!d.network || !d.containerId || !d.ifname) return 'nothing recorded to remove';
  const errors: string[] = [];
  const found = cniRecords(ctx, d.network, { containerId: d.containerId, ifname: d.ifname });
  for (const r of found) errors.push(...(await removeCniRecord(ctx, r)));
  if (d.ipam && d.stdin !== undefined && d.env) {
    const plugin = locatePlugin(d.ipam, (d.env['CNI_PATH'] ?? '').split(':').filter(Boolean));
    if (!plugin) errors.push(`IPAM plugin ${d.ipam} is no longer in ${d.env['CNI_PATH'] ?? 'CNI_PATH'}`);
    else {
      const r = await run([plugin], { input: d.stdin, env: { PATH: process.env['PATH'], ...d.env, CNI_COMMAND: 'DEL' }, allowFailure: true, timeoutMs: 60_000 });
      if (r.code !== 0) errors.push(`${d.ipam} DEL: ${r.stdout.trim() || r.stderr.trim() || `exit status ${r.code}`}`);
    }
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  return found.length > 0 ? `removed ${d.ifname} of ${d.containerId.slice(0, 12)}` : '';
}

/** The resolvers engine/intent-resolvers.ts names for the ops cni-add and cni-del. */
export const cniAddResolver = { outcome: 'undone' as const, settle: removeRecorded };
export const cniDelResolver = { outcome: 'finished' as const, settle: removeRecorded };
