/**
 * intent — every operation that changes the kernel writes an intent record before its
 * first kernel change and deletes it after its last (DESIGN rule 9). A process killed in
 * between (kill -9, OOM, power loss) leaves the record behind, saying which operation on
 * which object stopped at which step; the next command on that object, or `tsnet gc`,
 * finishes or undoes it through the op's resolver (intent-resolvers.ts), and says which.
 *
 * Usage (an operation):
 *   return runIntent(ctx, { op: 'attach', object: attachmentObject(netnsId, ifname), data }, (intent) =>
 *     applyPlan(plan, { intent }));           // each plan step is recorded as it starts
 *   intent.note({ attachmentId }, () => repo.reserve(...))   // facts for the resolver, in the
 *                                                             // same transaction as the state change
 *   intent.step('remove-rules')               // a step of code that is not a Plan
 * and before touching an object: `await settleObject(ctx, object)` resolves what a dead
 * process left on it.
 *
 * A failed operation whose rollback completed (applyPlan's unwind without undo errors, or
 * a failure before its first step) deletes its record: nothing is left. One that failed
 * otherwise gives its record up (owner 0), so the next command or gc finishes or undoes it.
 */
import { toTsnetError } from '../core/errors.js';
import { notice } from '../core/log.js';
import { duringOperation } from '../core/interrupt.js';
import { ownerAlive, selfOwner } from '../core/owner.js';
import { rolledBack, type StepRecorder } from '../core/plan.js';
import { atStep } from '../core/test-hooks.js';
import type { IntentRecord } from '../state/intents.js';
import type { EngineContext } from '../attach/context.js';
import { resolverFor } from './intent-resolvers.js';

export interface IntentSpec {
  /** The operation: its resolver is looked up by this name. */
  op: string;
  /** The object it changes (see the *Object helpers below); commands on it settle it first. */
  object: string;
  /** Facts the resolver needs that the object's own rows may not hold yet. */
  data?: Record<string, unknown>;
}

export class Intent implements StepRecorder {
  private started = 0;

  constructor(private readonly ctx: EngineContext, readonly record: IntentRecord) {}

  get id(): number { return this.record.id; }
  get data(): Record<string, unknown> { return this.record.data; }
  /** stepsStarted — how many steps began (0: no kernel change was made). */
  get stepsStarted(): number { return this.started; }

  /** step — records that the step starts now, before its kernel change (the kill hook fires here). */
  step(name: string): void {
    this.started++;
    this.ctx.intents.setStep(this.record.id, name);
    this.record.step = name;
    atStep(this.record.op, name);
  }

  /**
   * note — merges facts into the record's data; with `change`, in the same transaction as
   * that state change, so a crash never leaves one without the other.
   */
  note<T>(patch: Record<string, unknown>, change?: () => T): T | undefined {
    return this.ctx.db.transaction(() => {
      const result = change?.();
      Object.assign(this.record.data, patch);
      this.ctx.intents.setData(this.record.id, this.record.data);
      return result;
    }).immediate();
  }
}

/** runIntent — runs body as one recorded operation (see the header for what a failure does). */
export async function runIntent<T>(ctx: EngineContext, spec: IntentSpec, body: (intent: Intent) => Promise<T>): Promise<T> {
  const intent = new Intent(ctx, ctx.intents.begin(spec.op, spec.object, spec.data ?? {}, selfOwner()));
  return duringOperation(async () => {
    let result: T;
    try {
      result = await body(intent);
    } catch (e) {
      if (intent.stepsStarted === 0 || rolledBack(e)) ctx.intents.complete(intent.id);
      else ctx.intents.abandon(intent.id);
      throw e;
    }
    atStep(spec.op, 'done');
    ctx.intents.complete(intent.id);
    return result;
  });
}

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

/** The object keys: one per kind of thing an operation changes. */
export const attachmentObject = (netnsId: string, ctrIf: string): string => `attachment:${netnsId}/${ctrIf}`;
export const networkObject = (name: string): string => `network:${name}`;
export const portsObject = (attachmentId: number): string => `ports:${attachmentId}`;
