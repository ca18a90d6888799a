/**
 * keeper — test helpers around the DHCP lease keeper of a state root: its pid as recorded
 * in state (only while that process is alive), stopping it at cleanup, and polling.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { processStartTime } from '../../src/core/owner.js';

/** keeperPid — the recorded keeper's pid if it is alive (same start time), else undefined. */
export function keeperPid(root: string): number | undefined {
  const file = join(root, 'state.db');
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    const row = db.prepare("SELECT pid, start_time FROM dhcp_keeper WHERE id = 1").get() as { pid: number; start_time: string } | undefined;
    return row && processStartTime(row.pid) === row.start_time ? row.pid : undefined;
  } catch {
    return undefined; // no table yet
  } finally {
    db.close();
  }
}

/** stopKeeper — SIGTERM the root's keeper, if one runs (test cleanup). */
export function stopKeeper(root: string): void {
  const pid = keeperPid(root);
  if (pid !== undefined) process.kill(pid, 'SIGTERM');
}

/** waitFor — polls until fn returns something truthy; throws naming what was awaited. */
export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
