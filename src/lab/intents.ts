/**
 * intents — each lab operation that changes the kernel (a first up, a repairing up, apply,
 * down) is an intent record (core/intent.ts, DESIGN rule 9) in this machine's state root, on
 * the object `lab:NAME`, beside the lab's own record (record.ts), which says what the lab is.
 * A process killed mid-operation (kill -9, a second Ctrl-C) leaves both behind. The next
 * `lab up|apply|down` of that lab takes the dead process's intents over — it does the same
 * work, idempotently, under the lab's lock — and completes them when it succeeds (gives them
 * up when it fails). `tsnet gc` (gc.ts) settles what nobody took over through the resolvers in
 * resolve.ts: a first up is undone (the lab removed), a repair, an apply or a down finished.
 */
import { EngineContext } from '../engine/context.js';
import { runIntent, type Intent } from '../core/intent.js';
import { ownerAlive, selfOwner } from '../core/owner.js';
import type { LinkOpsBackend } from '../netlink/linkops.js';

export type LabOp = 'lab-create' | 'lab-repair' | 'lab-apply' | 'lab-down';

/** labObject — the intent object of a lab (stable: records in a state root name it). */
export const labObject = (name: string): string => `lab:${name}`;

/**
 * runLabIntent — body as one recorded operation on lab `name`, taking over what a dead
 * process left on the lab. Call it holding the lab's lock (record.ts withLabLock).
 */
export async function runLabIntent<T>(
  opts: { root: string; backend?: LinkOpsBackend | undefined },
  op: LabOp, name: string, data: Record<string, unknown>, body: (intent: Intent) => Promise<T>,
): Promise<T> {
  const ctx = new EngineContext({ root: opts.root, backend: opts.backend });
  try {
    const me = selfOwner();
    const adopted = ctx.intents.forObject(labObject(name)).filter((r) => !ownerAlive(r.owner) && ctx.intents.claim(r.id, r.owner, me));
    try {
      const result = await runIntent(ctx, { op, object: labObject(name), data: { label: `lab ${name}`, lab: name, ...data } }, body);
      for (const r of adopted) ctx.intents.complete(r.id);
      return result;
    } catch (e) {
      for (const r of adopted) ctx.intents.abandon(r.id);
      throw e;
    }
  } finally {
    ctx.close();
  }
}
