/**
 * plan — a list of named steps, each with an undo, and the one applier that runs them.
 * On failure the applier unwinds the steps already done in reverse order and rethrows the
 * original error (undo failures are attached, not substituted). With an intent record
 * (engine/intent.ts) each step is recorded as it starts, so a process killed mid-plan
 * leaves a record saying where it stopped. An interrupt (SIGINT, SIGTERM, SIGHUP; see
 * core/interrupt.ts) is honoured between steps and unwinds like a failure. Test hooks
 * (core/test-hooks.ts): TSNET_FAULT=<step name> fails just before that step.
 */
import { TsnetError } from './errors.js';
import { debug } from './log.js';
import { faultStep } from './test-hooks.js';
import { throwIfInterrupted } from './interrupt.js';

export interface Step {
  /** Stable, human-readable name, e.g. "create-veth"; also the TSNET_FAULT hook key. */
  name: string;
  /** What the step does, for --dry-run and --debug. */
  describe: string;
  apply: () => Promise<void> | void;
  /** Undo what apply did. Must tolerate "already gone". Omit for steps with nothing to undo. */
  undo?: () => Promise<void> | void;
}

/** PlanStep — a step as `--dry-run --json` prints it (BRIEF: {"name","description"}). */
export interface PlanStep {
  name: string;
  description: string;
}

export class Plan {
  readonly steps: Step[] = [];

  add(step: Step): this {
    this.steps.push(step);
    return this;
  }

  /** describe — the plan as printed by --dry-run. */
  describe(): string[] {
    return this.steps.map((s, i) => `${i + 1}. ${s.name}: ${s.describe}`);
  }

  /** toJson — the steps as `--dry-run --json` prints them. */
  toJson(): PlanStep[] {
    return this.steps.map((s) => ({ name: s.name, description: s.describe }));
  }
}

/** StepRecorder — where each step is recorded as it starts (an intent record). */
export interface StepRecorder {
  step(name: string): void;
}

export interface ApplyOptions {
  /** Step name at which to inject a failure; defaults to the TSNET_FAULT test hook. */
  fault?: string | undefined;
  intent?: StepRecorder | undefined;
}

/** Errors after which every step done was undone without error: nothing is left behind. */
const cleanRollbacks = new WeakSet<object>();

/** rolledBack — whether applyPlan undid everything before rethrowing this error. */
export function rolledBack(err: unknown): boolean {
  return typeof err === 'object' && err !== null && cleanRollbacks.has(err);
}

/** markRolledBack — for an operation that is not a Plan and undid everything itself (a lab's first up). */
export function markRolledBack(err: unknown): void {
  if (typeof err === 'object' && err !== null) cleanRollbacks.add(err);
}

export async function applyPlan(plan: Plan, opts: ApplyOptions = {}): Promise<void> {
  const fault = opts.fault ?? faultStep();
  const done: Step[] = [];
  try {
    for (const step of plan.steps) {
      throwIfInterrupted();
      if (fault && fault === step.name) {
        throw new TsnetError('EFAULT_INJECTED', `injected fault before step ${step.name} (TSNET_FAULT)`);
      }
      opts.intent?.step(step.name);
      debug(`step ${step.name}: ${step.describe}`);
      await step.apply();
      done.push(step);
    }
  } catch (err) {
    const undoErrors = await unwind(done);
    // Attached to any Error, not only TsnetError: a step failing with a plain Error must not
    // make the undo failures (leaked kernel state) disappear.
    if (undoErrors.length > 0 && err instanceof Error) {
      const prior = (err as { detail?: Record<string, unknown> | undefined }).detail;
      Object.assign(err, { detail: { ...(prior ?? {}), undoErrors } });
    } else if (typeof err === 'object' && err !== null) {
      cleanRollbacks.add(err);
    }
    throw err;
  }
}

/** unwind — runs the undos in reverse, carrying on past failures and collecting them. */
async function unwind(done: Step[]): Promise<string[]> {
  const errors: string[] = [];
  for (const step of [...done].reverse()) {
    if (!step.undo) continue;
    try {
      debug(`undo ${step.name}`);
      await step.undo();
    } catch (e) {
      errors.push(`${step.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errors;
}
