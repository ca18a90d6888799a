/**
 * lifecycle — stop, kill, restart, wait and rm, Docker's semantics: stop sends SIGTERM and
 * SIGKILL after the grace period; kill sends one signal; rm refuses a running container
 * unless forced; stopping a stopped container or starting a running one changes nothing.
 * Signals go to the container's process only after its pid and start time are checked, so
 * a recycled pid is never signalled.
 */
import { constants } from 'node:os';
import { TsnetError, invalid } from '../core/errors.js';
import { containerObject, runIntent } from '../core/intent.js';
import type { EngineContext } from '../engine/context.js';
import type { ContainerRecord } from '../state/containers.js';
import { processAlive, processStartTime } from './process.js';
import { finalize, killNow, reconcile, removeFiles, requireContainer, settle, waitGone } from './reconcile.js';
import { startContainer, type StartResult } from './start.js';

/** parseSignal — "TERM", "SIGTERM", "sigkill" or a number, as `docker kill -s` takes. */
export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  const n = (constants.signals as Record<string, number>)[`SIG${name}`];
  if (n === undefined) throw invalid(`"${text}" is not a signal (e.g. TERM, KILL, HUP, 9)`);
  return n;
}

/** current — the container as it really is now (reconciled, and settled if another command is changing it). */
async function current(ctx: EngineContext, text: string): Promise<ContainerRecord> {
  const c = await reconcile(ctx, requireContainer(ctx, text));
  const s = await settle(ctx, c);
  if (!s) throw new TsnetError('ENOTFOUND', `no such container: ${text} (it was removed meanwhile)`);
  return s;
}

function signal(c: ContainerRecord, sig: number): void {
  if (!processAlive(c.pid, c.pidStart)) return;
  try { process.kill(c.pid!, sig); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
}

/** killContainer — one signal to the container's process (pid 1 inside: it ignores those it has no handler for, as in Docker). */
export async function killContainer(ctx: EngineContext, text: string, sig = 'KILL'): Promise<ContainerRecord> {
  const n = parseSignal(sig);
  const c = await current(ctx, text);
  if (c.state !== 'running') throw new TsnetError('ECONFLICT', `container ${c.name} is not running`);
  signal(c, n);
  if (n === constants.signals.SIGKILL) {
    await waitGone(c.pid, c.pidStart, 5000);
    return finalize(ctx, c);
  }
  return c;
}

/** stopContainer — SIGTERM, then SIGKILL after `timeoutS` seconds; the exit is recorded before it returns. */
export async function stopContainer(ctx: EngineContext, text: string, timeoutS = 10): Promise<ContainerRecord> {
  if (!Number.isInteger(timeoutS) || timeoutS < -1) throw invalid(`stop timeout ${timeoutS} must be a whole number of seconds`);
  const c = await current(ctx, text);
  if (c.state !== 'running') return c;
  signal(c, constants.signals.SIGTERM);
  if (!(await waitGone(c.pid, c.pidStart, timeoutS < 0 ? 2 ** 31 : timeoutS * 1000))) {
    signal(c, constants.signals.SIGKILL);
    if (!(await waitGone(c.pid, c.pidStart, 10000))) throw new TsnetError('ETIMEOUT', `container ${c.name} (pid ${c.pid}) did not die after SIGKILL`);
  }
  return finalize(ctx, c);
}

export async function restartContainer(ctx: EngineContext, text: string, timeoutS = 10): Promise<StartResult> {
  const c = await stopContainer(ctx, text, timeoutS);
  ctx.containers.countRestart(c.id);
  return startContainer(ctx, c.id);
}

/** waitContainer — until the container exits; its exit code. */
export async function waitContainer(ctx: EngineContext, text: string): Promise<number> {
  let c = await current(ctx, text);
  const id = c.id;
  while (c.state === 'running' || c.state === 'starting' || c.state === 'stopping') {
    await waitGone(c.pid, c.pidStart, 2 ** 31);
    await new Promise((r) => setTimeout(r, 20));
    const now = ctx.containers.byId(id);
    if (!now) return c.exitCode ?? 0; // removed with --rm meanwhile
    c = await reconcile(ctx, now);
  }
  return c.exitCode ?? 0;
}

/** removeContainer — rm [-f]: a running container only with force (killed first). */
export async function removeContainer(ctx: EngineContext, text: string, opts: { force?: boolean } = {}): Promise<{ container: ContainerRecord; warnings: string[] }> {
  let c = await current(ctx, text);
  if (c.state === 'running') {
    if (!opts.force) throw new TsnetError('ECONFLICT', `container ${c.name} is running: stop it first, or use rm -f`);
    const shim = c;
    await killNow(c);
    c = await finalize(ctx, c);
    // As docker rm -f: nothing of the container runs on when it returns. Its shim ends by
    // running the exit hook on this root; waiting for it (bounded) means a caller that removes
    // the root next (a test, a lab) does not race it.
    await waitGone(shim.shimPid, shim.shimStart, 5000);
    if (!ctx.containers.byId(c.id)) return { container: c, warnings: [] }; // it had --rm
  }
  const me = { pid: process.pid, start: processStartTime(process.pid) ?? '' };
  const gone = c;
  return runIntent(ctx, { op: 'container-rm', object: containerObject(c.id), data: { label: `container ${c.name}` } }, async (intent) => {
    const taken = ctx.containers.transition(gone.id, ['created', 'exited'], 'removing', me)
      || (gone.state === 'removing' && !processAlive(gone.opPid, gone.opStart) && ctx.containers.takeOver(gone.id, 'removing', { pid: gone.opPid, start: gone.opStart }, me));
    if (!taken) throw new TsnetError('ECONFLICT', `container ${gone.name} is being changed by another tsnet command; try again`);
    intent.step('files');
    const left = removeFiles(ctx, gone);
    intent.step('record');
    ctx.containers.remove(gone.id);
    return { container: gone, warnings: left.map((d) => `cgroup ${d} is still busy (tsnet gc removes it)`) };
  });
}
