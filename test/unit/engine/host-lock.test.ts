/**
 * The host lock: an flock on the netns file, so processes of one namespace exclude each
 * other; callers in one process queue; a holder re-enters; a timeout names the holder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { HostLock } from '../../../src/engine/host-lock.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('callers in one process take turns; a holder re-enters without deadlock', async () => {
  const lock = new HostLock();
  const log: string[] = [];
  const job = (n: number) => lock.withLock(`job ${n}`, async () => {
    log.push(`in ${n}`);
    await sleep(20);
    if (n === 1) await lock.withLock('nested', async () => { log.push('nested'); });
    log.push(`out ${n}`);
    return n;
  });
  assert.deepEqual(await Promise.all([job(1), job(2), job(3)]), [1, 2, 3]);
  assert.deepEqual(log, ['in 1', 'nested', 'out 1', 'in 2', 'out 2', 'in 3', 'out 3']);
  assert.equal(lock.held, false);
  lock.close();
});

test('another process in the same namespace waits for the holder; a timeout names it', async () => {
  // The child takes the same lock (flock(1) on its own netns file) and holds it for a while.
  const child = spawn('flock', ['/proc/thread-self/ns/net', '-c', 'echo held; sleep 0.6'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise((r) => child.stdout.once('data', r));
  const impatient = new HostLock(150);
  await assert.rejects(impatient.withLock('publish ports', () => 1), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ETIMEOUT');
    assert.match(e.message, /^waited 0 s for the host lock \(to publish ports\) held by pid \d+; is a tsnet command hung\?$/);
    return true;
  });
  impatient.close();
  const lock = new HostLock();
  const t0 = Date.now();
  await lock.withLock('test', () => undefined);
  assert.ok(Date.now() - t0 >= 250, `waited for the other process (${Date.now() - t0} ms)`);
  lock.close();
  await exited;
});
