/**
 * The daemon's working-directory gate: commands from one directory run together, one from
 * another waits until they are done and then runs in its own directory, and newcomers queue
 * behind a waiter. Clients are stand-in processes (`sleep`) started in temp directories.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CwdGate } from '../../../src/daemon/cwd-gate.js';

const dirs = [mkdtempSync(join(tmpdir(), 'tsnet-u-gate-a-')), mkdtempSync(join(tmpdir(), 'tsnet-u-gate-b-'))].map((d) => realpathSync(d));
const clients: ChildProcess[] = [];
const home = process.cwd();
after(() => {
  process.chdir(home);
  for (const c of clients) c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function clientIn(dir: string): number {
  const c = spawn('sleep', ['30'], { cwd: dir, stdio: 'ignore' });
  clients.push(c);
  return c.pid!;
}

test('same directory together, another waits, newcomers queue behind the waiter', async () => {
  const gate = new CwdGate();
  const [a1, a2, b1, a3] = [clientIn(dirs[0]!), clientIn(dirs[0]!), clientIn(dirs[1]!), clientIn(dirs[0]!)];
  const order: string[] = [];
  const leaveA1 = await gate.enter(a1);
  assert.equal(process.cwd(), dirs[0]);
  const leaveA2 = await gate.enter(a2);
  const b = gate.enter(b1).then((leave) => { order.push(`b in ${process.cwd()}`); return leave; });
  const a3entered = gate.enter(a3).then((leave) => { order.push(`a3 in ${process.cwd()}`); return leave; });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(order, [], 'b waits for the a commands; a3 waits behind b');
  leaveA1();
  leaveA2();
  const leaveB = await b;
  assert.deepEqual(order, [`b in ${dirs[1]}`]);
  leaveB();
  (await a3entered)();
  assert.deepEqual(order, [`b in ${dirs[1]}`, `a3 in ${dirs[0]}`]);
});

test('a client that is gone cannot enter', async () => {
  await assert.rejects(new CwdGate().enter(2 ** 22 + 12345), /ENOENT/);
});
