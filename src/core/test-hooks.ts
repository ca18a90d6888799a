/**
 * test-hooks — the hooks the test suite uses to prove rollback and crash recovery, active
 * only when it enables them with TSNET_TEST_HOOKS=1 (test/helpers/tsnet.ts does): a
 * TSNET_FAULT or TSNET_KILL_AT left in a user's shell must never change what tsnet does.
 *   TSNET_FAULT=<step>          a plan fails just before that step (core/plan.ts)
 *   TSNET_KILL_AT=<op>:<step>[#n]  the process SIGKILLs itself just before the n-th (default
 *                               first) step of that name of an intent of that op; the step
 *                               `done` is the moment after the last step, before the record
 *                               is marked complete (engine/intent.ts)
 *   TSNET_SIGNAL_AT=<op>:<step>=<SIGNAL>  the process sends itself SIGNAL (SIGINT, SIGTERM)
 *                               as that step first starts: an interrupt at a known moment
 *   TSNET_STEP_TRACE=<file>     every intent step is appended to the file as `<op>:<step>`,
 *                               so a test learns an operation's steps from one clean run
 */
import { appendFileSync } from 'node:fs';

function enabled(): boolean {
  return process.env['TSNET_TEST_HOOKS'] === '1';
}

/** faultStep — the plan step at which to inject a failure, if the suite asked for one. */
export function faultStep(): string | undefined {
  return enabled() ? process.env['TSNET_FAULT'] || undefined : undefined;
}

const seen = new Map<string, number>();

/** atStep — called as an intent's step starts: traced, and the kill hook fires here. */
export function atStep(op: string, step: string): void {
  if (!enabled()) return;
  const key = `${op}:${step}`;
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  const trace = process.env['TSNET_STEP_TRACE'];
  if (trace) appendFileSync(trace, `${key}\n`);
  const kill = process.env['TSNET_KILL_AT'];
  if (kill && (kill === `${key}#${n}` || (kill === key && n === 1))) process.kill(process.pid, 'SIGKILL');
  const [at, sig] = (process.env['TSNET_SIGNAL_AT'] ?? '').split('=');
  if (at === key && n === 1 && sig) process.kill(process.pid, sig);
}
