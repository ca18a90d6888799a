/**
 * records — CNI attachments in tsnet's state: ordinary attachment rows (so `tsnet ls`,
 * `tsnet network inspect` and `tsnet gc` see them) whose stored spec carries the runtime's
 * name for them (attach/spec.ts CniOwner). DEL and GC find them by that name, because the
 * runtime may no longer have the netns; removal goes through attach/detach.ts's
 * removeAttachment, which works with the netns gone (deleting the host end of the veth
 * takes the container end with it).
 */
import type { CniOwner } from '../attach/spec.js';
import { removeAttachment } from '../attach/detach.js';
import type { EngineContext } from '../engine/context.js';
import { tryResolveGuest } from '../netns/guest.js';
import type { AttachmentRecord } from '../state/attachments.js';

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
  return ctx.attachments.all().filter((r) => {
    const o = ownerOf(r);
    return o !== undefined && o.network === network && (!match || (o.containerId === match.containerId && o.ifname === match.ifname));
  });
}

/**
 * removeCniRecord — the kernel side (veth, published ports, their rules) and the row. The
 * netns is used only when it is still the one the record was made in. Returns errors (the
 * row is then kept, so a later DEL or GC retries).
 */
export async function removeCniRecord(ctx: EngineContext, rec: AttachmentRecord, netnsPath?: string): Promise<string[]> {
  const guest = netnsPath ? tryResolveGuestQuietly(netnsPath) : undefined;
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
    return tryResolveGuest({ kind: 'path', path });
  } catch {
    return undefined; // not a netns file any more, or tsnet's own: nothing inside to tidy
  }
}
