/**
 * Intent records: an operation's record lives exactly while it runs; a clean rollback
 * leaves none, a failed one is given up for others; records of dead processes are settled
 * once (claimed first), those of live ones left alone; a newer schema is refused.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineContext } from '../../../src/engine/context.js';
import { applyPlan, Plan } from '../../../src/core/plan.js';
import { runIntent } from '../../../src/core/intent.js';
import { settleObject, settlePending } from '../../../src/engine/settle.js';
import { registerResolver } from '../../../src/engine/intent-resolvers.js';
import { openDatabase } from '../../../src/state/db.js';
import { MIGRATIONS } from '../../../src/state/migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnet-unit-'));
const ctx = new EngineContext({ root: dir });
after(() => { ctx.close(); rmSync(dir, { recursive: true, force: true }); });

const settled: string[] = [];
registerResolver('test-create', { outcome: 'undone', settle: async (_c, rec) => { settled.push(`undo ${rec.object} at ${rec.step}`); return 'gone'; } });
registerResolver('test-remove', { outcome: 'finished', settle: async (_c, rec) => { settled.push(`finish ${rec.object}`); return ''; } });

/** deadPid — the pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
}

test('the record exists while the operation runs, with its steps, and goes when it completes', async () => {
  const seen: Array<string | null> = [];
  const plan = new Plan()
    .add({ name: 'one', describe: '1', apply: () => { seen.push(ctx.intents.forObject('x:1')[0]!.step); } })
    .add({ name: 'two', describe: '2', apply: () => { seen.push(ctx.intents.forObject('x:1')[0]!.step); } });
  await runIntent(ctx, { op: 'test-create', object: 'x:1' }, (intent) => applyPlan(plan, { intent }));
  assert.deepEqual(seen, ['one', 'two']);
  assert.deepEqual(ctx.intents.all(), []);
});

test('a failure rolled back cleanly leaves no record; one that was not is given up to others', async () => {
  const failing = new Plan()
    .add({ name: 'one', describe: '1', apply: () => undefined, undo: () => undefined })
    .add({ name: 'two', describe: '2', apply: () => { throw new Error('boom'); } });
  await assert.rejects(runIntent(ctx, { op: 'test-create', object: 'x:2' }, (intent) => applyPlan(failing, { intent })), /boom/);
  assert.deepEqual(ctx.intents.all(), []);
  const badUndo = new Plan()
    .add({ name: 'one', describe: '1', apply: () => undefined, undo: () => { throw new Error('undo failed'); } })
    .add({ name: 'two', describe: '2', apply: () => { throw new Error('boom'); } });
  await assert.rejects(runIntent(ctx, { op: 'test-create', object: 'x:3' }, (intent) => applyPlan(badUndo, { intent })), /boom/);
  const [left] = ctx.intents.all();
  assert.equal(left?.owner.pid, 0, 'abandoned');
  assert.equal(left?.step, 'two');
  const r = await settleObject(ctx, 'x:3');
  assert.equal(r[0]?.outcome, 'undone');
  assert.match(r[0]!.message, /^undid the interrupted test-create of x:3 \(stopped at step two\): gone$/);
  assert.deepEqual(ctx.intents.all(), []);
});

test('records of dead processes are settled once; live ones are left alone; dry run changes nothing', async () => {
  settled.length = 0;
  const dead = { pid: Number(deadPid()), startTime: '1' };
  const a = ctx.intents.begin('test-create', 'x:4', { label: 'thing four' }, dead);
  ctx.intents.setStep(a.id, 'create-veth');
  ctx.intents.begin('test-remove', 'x:5', {}, dead);
  ctx.intents.begin('test-create', 'x:6', {}, { pid: process.pid, startTime: (await import('../../../src/core/owner.js')).selfOwner().startTime });
  ctx.intents.begin('from-the-future', 'x:7', {}, dead);
  const dry = await settlePending(ctx, { dryRun: true });
  assert.deepEqual(dry.map((r) => r.outcome), ['undone', 'finished', 'in progress', 'failed']);
  assert.equal(dry[0]!.message, 'would undo the interrupted test-create of thing four (stopped at step create-veth)');
  assert.equal(ctx.intents.all().length, 4);
  const real = await settlePending(ctx);
  assert.deepEqual(real.map((r) => r.outcome), ['undone', 'finished', 'in progress', 'failed']);
  assert.match(real[3]!.message, /no resolver for operation "from-the-future"/);
  assert.deepEqual(settled, ['undo x:4 at create-veth', 'finish x:5']);
  assert.deepEqual(ctx.intents.all().map((r) => r.object), ['x:6', 'x:7']);
  // A record someone else claimed first is not settled twice.
  const b = ctx.intents.begin('test-remove', 'x:8', {}, dead);
  assert.ok(ctx.intents.claim(b.id, dead, { pid: 0, startTime: '' }));
  assert.equal(ctx.intents.claim(b.id, dead, { pid: 1, startTime: 'x' }), false);
});

test('note() changes state and the record in one transaction', async () => {
  await assert.rejects(runIntent(ctx, { op: 'test-create', object: 'x:9' }, async (intent) => {
    intent.step('record');
    intent.note({ attachmentId: 7 }, () => { throw new Error('constraint'); });
  }), /constraint/);
  const [rec] = ctx.intents.forObject('x:9');
  assert.deepEqual(rec?.data, {}, 'the failed change did not record its fact');
});

test('a state root from a newer schema is refused, naming both versions', () => {
  const newer = mkdtempSync(join(tmpdir(), 'tsnet-unit-'));
  try {
    const db = openDatabase(newer);
    db.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    db.close();
    assert.throws(() => openDatabase(newer), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ESTATE');
      assert.equal(e.message, `the state database is at schema version ${MIGRATIONS.length + 3}, newer than this tsnet's ${MIGRATIONS.length}: it was written by a newer tsnet; use that one (or another --root)`);
      return true;
    });
  } finally {
    rmSync(newer, { recursive: true, force: true });
  }
});
