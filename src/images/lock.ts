/**
 * lock — a cross-process lock per key (a layer's chain id), so that a second `tsnet pull`
 * of the same layer waits for the first instead of downloading it twice (the seed's
 * pullingPool). flock on a file under ROOT/locks: the kernel drops it if the holder dies.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { tryFlock } from '../storage/libc.js';

const POLL_MS = 50;

export async function withLock<T>(root: string, key: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  const dir = join(root, 'locks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = fs.openSync(join(dir, key.replace(/[^A-Za-z0-9_.-]/g, '_')), 'a', 0o600);
  try {
    let waited = false;
    while (!tryFlock(fd)) {
      if (!waited) { waited = true; onWait?.(); }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return await fn();
  } finally {
    fs.closeSync(fd); // closing the last fd releases the flock
  }
}
