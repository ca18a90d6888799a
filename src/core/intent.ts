/**
 * intent — every operation that changes the kernel writes an intent record before its
 * first kernel change and deletes it after its last (DESIGN rule 9). A process killed in
 * between (kill -9, OOM, power loss) leaves the record behind, saying which operation on
 * which object stopped at which step; the next command on that object, or `tsnet gc`,
 * finishes or undoes it through the op's resolver (engine/intent-resolvers.ts, run by
 * engine/settle.ts), and says which.
 *
 * Usage (an operation):
 *   await ctx.settle(attachmentObject(netnsId, ifname));      // what a dead process left on it
 *   return runIntent(ctx, { op: 'attach', object: attachmentObject(netnsId, ifname), data }, (intent) =>
 *     applyPlan(plan, { intent }));                            // each plan step recorded as it starts
 *   intent.note({ attachmentId }, () => repo.reserve(...))    // facts for the resolver, in the same
 *                                                              // transaction as the state change
 *   intent.step('remove-rules')                               // a step of code that is not a Plan
 *
 * A failed operation whose rollback completed (applyPlan's unwind without undo errors, or a
 * failure before its first step) deletes its record: nothing is left. One that failed
 * otherwise gives its record up (owner 0), so the next command or gc finishes or undoes it.
 */
import { duringOperation } from './interrupt.js';
import { selfOwner, type Owner } from './owner.js';
import { rolledBack, type StepRecorder } from './plan.js';
import { atStep } from './test-hooks.js';
import type { IntentRecord } from '../state/intents.js';
import type { Database } from '../state/db.js';

/** IntentHost — what runIntent needs of an EngineContext: the intent repository and a transaction. */
export interface IntentHost {
  intents: {
    begin(op: string, object: string, data: Record<string, unknown>, owner: Owner): IntentRecord;
    setStep(id: number, step: string): void;
    setData(id: number, data: Record<string, unknown>): void;
    complete(id: number): void;
    abandon(id: number): void;
  };
  db: Database;
}

export interface IntentSpec {
  /** The operation: its resolver is looked up by this name. */
  op: string;
  /** The object it changes (see the *Object helpers below); commands on it settle it first. */
  object: string;
  /** Facts the resolver needs that the object's own rows may not hold; `label` names the object for people. */
  data?: Record<string, unknown>;
}

export class Intent implements StepRecorder {
  private started = 0;

  constructor(private readonly host: IntentHost, readonly record: IntentRecord) {}

  get id(): number { return this.record.id; }
  get data(): Record<string, unknown> { return this.record.data; }
  /** stepsStarted — how many steps began (0: no kernel change was made). */
  get stepsStarted(): number { return this.started; }

  /** step — records that the step starts now, before its kernel change (the kill hook fires here). */
  step(name: string): void {
    this.started++;
    this.host.intents.setStep(this.record.id, name);
    this.record.step = name;
    atStep(this.record.op, name);
  }

  /**
   * note — merges facts into the record's data; with `change`, in the same transaction as
   * that state change, so a crash never leaves one without the other.
   */
  note<T>(patch: Record<string, unknown>, change?: () => T): T {
    return this.host.db.transaction(() => {
      const result = change?.() as T;
      Object.assign(this.record.data, patch);
      this.host.intents.setData(this.record.id, this.record.data);
      return result;
    }).immediate();
  }
}

/**
 * Admit — writes the record (calls begin) once the operation may start: an attach to a
 * network begins under the host lock after checking that the network is still there, so a
 * `network rm`/`prune` (which counts live attach records as users) and the attach are ordered.
 */
export type Admit = (begin: () => IntentRecord) => Promise<IntentRecord>;

/** runIntent — runs body as one recorded operation (see the header for what a failure does). */
export async function runIntent<T>(host: IntentHost, spec: IntentSpec, body: (intent: Intent) => Promise<T>, admit?: Admit): Promise<T> {
  const begin = (): IntentRecord => host.intents.begin(spec.op, spec.object, spec.data ?? {}, selfOwner());
  const intent = new Intent(host, admit ? await admit(begin) : begin());
  return duringOperation(async () => {
    let result: T;
    try {
      result = await body(intent);
    } catch (e) {
      if (intent.stepsStarted === 0 || rolledBack(e)) host.intents.complete(intent.id);
      else host.intents.abandon(intent.id);
      throw e;
    }
    atStep(spec.op, 'done');
    host.intents.complete(intent.id);
    return result;
  });
}

/** The object keys: one per kind of thing an operation changes. */
export const attachmentObject = (netnsId: string, ctrIf: string): string => `attachment:${netnsId}/${ctrIf}`;
export const networkObject = (name: string): string => `network:${name}`;
export const portsObject = (attachmentId: number): string => `ports:${attachmentId}`;
export const containerObject = (id: string): string => `container:${id}`;
