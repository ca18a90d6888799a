/**
 * settle — whoever finds an intent record (core/intent.ts) that a dead process left behind
 * finishes or undoes it, and says which: `tsnet gc` settles them all (settlePending), and a
 * command about to touch an object settles that object's first (settleObject, reached as
 * `ctx.settle(object)` from the floors below). Each record is claimed before it is touched,
 * so two settlers never both work on one; records of live processes are left alone.
 */
import { toTsnetError } from '../core/errors.js';
import { notice } from '../core/log.js';
import { ownerAlive, selfOwner } from '../core/owner.js';
import type { IntentRecord } from '../state/intents.js';
import type { EngineContext } from './context.js';
import { resolverFor } from './intent-resolvers.js';

export interface Resolution {
  op: string;
  object: string;
  /** The step it had started when its process stopped (null: none). */
  step: string | null;
  outcome: 'finished' | 'undone' | 'in progress' | 'failed';
  /** One line for the user: what was found and what was done (or would be, in a dry run). */
  message: string;
}

/**
 * settlePending — finishes or undoes the records whose owner is gone (dead, or gave them
 * up), all of them or those of one object. Records of live processes are reported as in
 * progress and left alone. Each record is claimed before it is touched, so two settlers
 * never both work on one. One failing record never stops the others.
 */
export async function settlePending(ctx: EngineContext, opts: { object?: string | undefined; dryRun?: boolean | undefined } = {}): Promise<Resolution[]> {
  const records = opts.object === undefined ? ctx.intents.all() : ctx.intents.forObject(opts.object);
  const out: Resolution[] = [];
  for (const rec of records) {
    const at = rec.step === null ? 'before its first step' : `at step ${rec.step}`;
    const base = { op: rec.op, object: rec.object, step: rec.step };
    if (ownerAlive(rec.owner)) {
      out.push({ ...base, outcome: 'in progress', message: `${rec.op} of ${describeObject(rec)} is in progress (pid ${rec.owner.pid}); left alone` });
      continue;
    }
    let resolver;
    try {
      resolver = resolverFor(rec.op);
    } catch (e) {
      out.push({ ...base, outcome: 'failed', message: `${rec.op} of ${describeObject(rec)} stopped ${at}: ${(e as Error).message}` });
      continue;
    }
    const verb = resolver.outcome === 'finished' ? 'finish' : 'undo';
    if (opts.dryRun) {
      out.push({ ...base, outcome: resolver.outcome, message: `would ${verb} the interrupted ${rec.op} of ${describeObject(rec)} (stopped ${at})` });
      continue;
    }
    const me = selfOwner();
    if (!ctx.intents.claim(rec.id, rec.owner, me)) continue; // another process settles it
    try {
      const detail = await resolver.settle(ctx, { ...rec, owner: me });
      ctx.intents.complete(rec.id);
      out.push({ ...base, outcome: resolver.outcome, message: `${resolver.outcome === 'finished' ? 'finished' : 'undid'} the interrupted ${rec.op} of ${describeObject(rec)} (stopped ${at})${detail ? `: ${detail}` : ''}` });
    } catch (e) {
      ctx.intents.abandon(rec.id);
      out.push({ ...base, outcome: 'failed', message: `could not ${verb} the interrupted ${rec.op} of ${describeObject(rec)} (stopped ${at}): ${toTsnetError(e).message}` });
    }
  }
  return out;
}

/**
 * settleObject — what a command calls before it touches an object: a record a dead
 * process left on it is finished or undone first, and the user is told which (stderr).
 * A failure to settle it is an error: acting on a half-made object would stack on it.
 */
export async function settleObject(ctx: EngineContext, object: string): Promise<Resolution[]> {
  const done = (await settlePending(ctx, { object })).filter((r) => r.outcome !== 'in progress');
  for (const r of done) notice(r.message);
  const failed = done.find((r) => r.outcome === 'failed');
  if (failed) throw toTsnetError(new Error(`${failed.message}; run tsnet gc for details`));
  return done;
}

/** describeObject — the object of a record as users name it ("netns:web eth1", "network lab"). */
function describeObject(rec: IntentRecord): string {
  const label = rec.data['label'];
  return typeof label === 'string' ? label : rec.object;
}
