/**
 * reconcile — a container's row brought in line with what is really there, by every
 * command that looks at a container (ps, inspect, start, rm, gc, the shim's exit hook):
 *   - running, its process gone and the exit recorded (or the shim gone too): finalize;
 *   - running, its shim killed: kill the process (nothing supervises it any more), finalize;
 *   - starting/stopping/removing by a tsnet process that died: take over and finish.
 * finalize() = exit status from the shim's exit file, OOM from the memory cgroup, network
 * detached (the extra attachments remembered), netns pin, cgroups; then the row says exited
 * (or the container goes, with --rm). Exactly one caller finalizes: the running → stopping
 * transition decides.
 */
import * as fs from 'node:fs';
import { TsnetError } from '../core/errors.js';
import type { EngineContext } from '../engine/context.js';
import { removePath } from '../storage/remove-tree.js';
import { containerObject, runIntent, type Intent } from '../core/intent.js';
import type { ContainerRecord, ContainerState } from '../state/containers.js';
import { containerDirs, removeCgroups, wasOomKilled } from './cgroups.js';
import { disconnectNetworks, unpin } from './container-network.js';
import { storedConfig } from './create.js';
import { containerPaths, netnsPin } from './paths.js';
import { processAlive, processStartTime } from './process.js';

/** Docker's exit code for a container whose end nobody saw (the supervisor died with it). */
export const EXIT_UNKNOWN = 255;
const SIGKILL_EXIT = 137;

export function requireContainer(ctx: EngineContext, text: string): ContainerRecord {
  const c = ctx.containers.find(text);
  if (!c) throw new TsnetError('ENOTFOUND', `no such container: ${text} (tsnet ps -a lists them)`);
  return c;
}

function op(): { pid: number; start: string } {
  return { pid: process.pid, start: processStartTime(process.pid) ?? '' };
}

interface ExitFile { exitCode: number; signal: number; finishedAt: string }

function readExit(path: string): ExitFile | undefined {
  try {
    const e = JSON.parse(fs.readFileSync(path, 'utf8')) as ExitFile;
    return typeof e.exitCode === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** sleep — synchronous, short: reconcile runs between a kill and the reap. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** killNow — SIGKILL to the container's process if it is still the one recorded; waits until it is gone. */
export async function killNow(c: ContainerRecord): Promise<void> {
  if (!processAlive(c.pid, c.pidStart)) return;
  try { process.kill(c.pid!, 'SIGKILL'); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
  await waitGone(c.pid, c.pidStart, 10000);
}

/** waitGone — until the process is gone (or the deadline); true when it is. */
export async function waitGone(pid: number | null, start: string | null, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processAlive(pid, start)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** waitExitFile — the shim writes it after the outputs are drained (at most ~2 s after the reap). */
async function waitExitFile(c: ContainerRecord, path: string, ms: number): Promise<ExitFile | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = readExit(path);
    if (e || !processAlive(c.shimPid, c.shimStart) || Date.now() > deadline) return e ?? readExit(path);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function reconcile(ctx: EngineContext, c: ContainerRecord): Promise<ContainerRecord> {
  const paths = containerPaths(ctx.root, c.id);
  if (c.state === 'running') {
    const alive = processAlive(c.pid, c.pidStart);
    const shim = processAlive(c.shimPid, c.shimStart);
    if (alive && shim) return c;
    if (alive && !shim) {
      await killNow(c);
      return finalize(ctx, c, 'its shim died, so tsnet killed it (nothing supervised it any more)');
    }
    if (!shim || readExit(paths.exit)) return finalize(ctx, c);
    return c; // exited a moment ago; the shim is still draining its output
  }
  if ((['starting', 'stopping', 'removing'] as ContainerState[]).includes(c.state) && !processAlive(c.opPid, c.opStart)) {
    // The tsnet process changing it died: its intent record says what to finish or undo.
    await ctx.settle(containerObject(c.id));
    const now = ctx.containers.byId(c.id);
    if (!now || !(['starting', 'stopping', 'removing'] as ContainerState[]).includes(now.state) || processAlive(now.opPid, now.opStart)) return now ?? c;
    c = now;
    if (c.state === 'removing') return c; // rm's caller finishes it (removeContainer takes over)
    await killNow(c);
    if (!ctx.containers.takeOver(c.id, c.state, { pid: c.opPid, start: c.opStart }, op(), 'stopping')) return ctx.containers.byId(c.id) ?? c;
    return finalize(ctx, ctx.containers.byId(c.id)!, c.state === 'starting' ? 'its start was interrupted' : undefined, true);
  }
  return c;
}

/** settle — waits while another live tsnet process is starting, stopping or removing the container. */
export async function settle(ctx: EngineContext, c: ContainerRecord, ms = 15000): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + ms;
  let cur: ContainerRecord | undefined = c;
  while (cur && (['starting', 'stopping', 'removing'] as ContainerState[]).includes(cur.state)) {
    if (!processAlive(cur.opPid, cur.opStart)) return reconcile(ctx, cur);
    if (Date.now() > deadline) throw new TsnetError('ETIMEOUT', `container ${cur.name} is still ${cur.state} by tsnet process ${cur.opPid}`);
    await new Promise((r) => setTimeout(r, 20));
    cur = ctx.containers.byId(c.id);
  }
  return cur;
}

/**
 * finalize — the container's process is gone: record how it ended and take down what its
 * run needed. Returns the record as it is after (or the last one, when --rm removed it).
 */
export async function finalize(ctx: EngineContext, c: ContainerRecord, why?: string, taken = false): Promise<ContainerRecord> {
  return runIntent(ctx, { op: 'container-stop', object: containerObject(c.id), data: { label: `container ${c.name}` } }, async (intent) => {
    if (!taken && !ctx.containers.transition(c.id, ['running', 'starting'], 'stopping', op())) {
      return (await settle(ctx, ctx.containers.byId(c.id) ?? c)) ?? c;
    }
    return finalizeSteps(ctx, c, why, intent);
  });
}

/** finalizeSteps — finalize's work, for a caller that holds the container (stopping) already. */
export async function finalizeSteps(ctx: EngineContext, c: ContainerRecord, why?: string, intent?: Intent): Promise<ContainerRecord> {
  const paths = containerPaths(ctx.root, c.id);
  intent?.step('exit-status');
  const exit = await waitExitFile(c, paths.exit, 3000);
  const dirs = containerDirs(ctx.rootId, c.id);
  const oomKilled = wasOomKilled(dirs);
  intent?.step('network');
  const warnings = await disconnectNetworks(ctx, c);
  unpin(netnsPin(c.id));
  intent?.step('cgroups');
  const left = removeCgroups(dirs);
  if (left.length > 0) warnings.push(`cgroups still busy: ${left.join(', ')} (tsnet gc retries)`);
  const exitCode = exit?.exitCode ?? (why ? SIGKILL_EXIT : EXIT_UNKNOWN);
  intent?.step('record');
  ctx.containers.setStopped(c.id, {
    state: 'exited', exitCode, finishedAt: exit?.finishedAt ?? new Date().toISOString(), oomKilled,
    error: why ?? (warnings.length > 0 ? warnings.join('; ') : null),
  });
  if (storedConfig(c).spec.autoRemove) {
    removeFiles(ctx, c);
    ctx.containers.remove(c.id);
    return { ...c, state: 'exited', exitCode };
  }
  return ctx.containers.byId(c.id)!;
}

/** removeFiles — the container's directory (rootfs included) and anything of it left in the kernel. */
export function removeFiles(ctx: EngineContext, c: ContainerRecord): string[] {
  unpin(netnsPin(c.id));
  const left = removeCgroups(containerDirs(ctx.rootId, c.id));
  removePath(containerPaths(ctx.root, c.id).dir);
  return left;
}
