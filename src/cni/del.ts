/**
 * del — CNI DEL: best-effort and idempotent (interfaces.md 1.7). The attachment is found by
 * the runtime's name for it, not by its netns, which may be gone or empty; removing the host
 * end of the veth takes the container end with it, and the published ports and their rules
 * go too. A delegated IPAM plugin always gets its DEL. Nothing to remove is success.
 */
import { runIntent } from '../core/intent.js';
import type { EngineContext } from '../engine/context.js';
import { intentData, ownerOfCall, type CniCall } from './call.js';
import { delegate } from './delegate.js';
import { CNI_CODE, CniError } from './errors.js';
import { cniObject, cniRecords, removeCniRecord } from '../network/cni-records.js';

export async function cniDel(ctx: EngineContext, call: CniCall): Promise<void> {
  const owner = ownerOfCall(call);
  await ctx.settle(cniObject(owner));
  const errors = await runIntent(ctx, { op: 'cni-del', object: cniObject(owner), data: intentData(call, 'DEL') }, async (intent) => {
    intent.step('remove');
    const errs = await removeOwned(ctx, call);
    if (call.conf.ipam.kind === 'delegate') {
      intent.step('ipam');
      await delegate(call.conf.ipam.type, 'DEL', call.env, call.procEnv, call.stdin, call.stderr);
    }
    return errs;
  });
  if (errors.length > 0) throw new CniError(CNI_CODE.tryAgainLater, 'try again later', `DEL of ${owner.containerId} ${owner.ifname}: ${errors.join('; ')}`);
}

/** removeOwned — every record of this container's interface on this network. */
export async function removeOwned(ctx: EngineContext, call: Pick<CniCall, 'env' | 'conf'>): Promise<string[]> {
  const errors: string[] = [];
  const owner = { containerId: call.env.containerId, ifname: call.env.ifname };
  for (const rec of cniRecords(ctx, call.conf.network, owner)) errors.push(...(await removeCniRecord(ctx, rec, call.env.netns || undefined)));
  return errors;
}
