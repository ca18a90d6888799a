/**
 * plan.test — the one applier: steps in order, unwinding in reverse on failure, the
 * original error rethrown with undo failures attached, and the TSNET_FAULT hook.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TsnetError } from '../../../src/core/errors.js';
import { Plan, applyPlan, type Step } from '../../../src/core/plan.js';

// Tests here must not inherit a TSNET_FAULT from whoever runs them.
let savedFault: string | undefined;
before(() => {
  savedFault = process.env['TSNET_FAULT'];
  delete process.env['TSNET_FAULT'];
});
after(() => {
  if (savedFault === undefined) delete process.env['TSNET_FAULT'];
  else process.env['TSNET_FAULT'] = savedFault;
});

/** recorder — a plan of named steps that log "apply X" / "undo X" into one journal. */
function recorder(names: string[], opts: { failApply?: string; failUndo?: string[]; noUndo?: string[]; failWith?: unknown } = {}) {
  const log: string[] = [];
  const plan = new Plan();
  for (const name of names) {
    const step: Step = {
      name,
      describe: `do ${name}`,
      apply: async () => {
        await new Promise((r) => setImmediate(r));
        if (name === opts.failApply) {
          log.push(`fail ${name}`);
          throw opts.failWith ?? new TsnetError('EKERNEL', `${name} refused`);
        }
        log.push(`apply ${name}`);
      },
    };
    if (!opts.noUndo?.includes(name)) {
      step.undo = () => {
        log.push(`undo ${name}`);
        if (opts.failUndo?.includes(name)) throw new Error(`cannot undo ${name}`);
      };
    }
    plan.add(step);
  }
  return { plan, log };
}

describe('Plan', () => {
  test('add chains and keeps order; describe numbers the steps', () => {
    const plan = new Plan()
      .add({ name: 'create-veth', describe: 'veth tsnabc <-> tmp0', apply: () => {} })
      .add({ name: 'move-peer', describe: 'move tmp0 into netns web', apply: () => {} });
    assert.deepEqual(plan.steps.map((s) => s.name), ['create-veth', 'move-peer']);
    assert.deepEqual(plan.describe(), ['1. create-veth: veth tsnabc <-> tmp0', '2. move-peer: move tmp0 into netns web']);
    assert.deepEqual(new Plan().describe(), []);
  });
});

describe('applyPlan', () => {
  test('runs every step in order, awaiting each, and undoes nothing on success', async () => {
    const { plan, log } = recorder(['a', 'b', 'c']);
    await applyPlan(plan, {});
    assert.deepEqual(log, ['apply a', 'apply b', 'apply c']);
  });

  test('a step starts only after the previous one has settled', async () => {
    const log: string[] = [];
    const delayed = (name: string, ms: number): Step => ({
      name,
      describe: name,
      apply: async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
      },
    });
    await applyPlan(new Plan().add(delayed('slow', 30)).add(delayed('fast', 0)).add(delayed('mid', 5)));
    assert.deepEqual(log, ['start slow', 'end slow', 'start fast', 'end fast', 'start mid', 'end mid']);
  });

  test('an empty plan succeeds', async () => {
    await applyPlan(new Plan());
  });

  test('synchronous steps work too', async () => {
    const log: string[] = [];
    const plan = new Plan().add({ name: 's', describe: 's', apply: () => void log.push('s') });
    await applyPlan(plan);
    assert.deepEqual(log, ['s']);
  });

  test('a throwing step unwinds the earlier steps in reverse and rethrows the original error', async () => {
    const boom = new TsnetError('EKERNEL', 'c refused');
    const { plan, log } = recorder(['a', 'b', 'c', 'd'], { failApply: 'c', failWith: boom });
    await assert.rejects(applyPlan(plan), (err: unknown) => {
      assert.equal(err, boom, 'the very same error object');
      assert.equal(boom.detail, undefined, 'no undo errors, no detail added');
      return true;
    });
    // The failing step's own undo does not run (it never completed); d never starts.
    assert.deepEqual(log, ['apply a', 'apply b', 'fail c', 'undo b', 'undo a']);
  });

  test('steps without undo are skipped while unwinding', async () => {
    const { plan, log } = recorder(['a', 'b', 'c'], { failApply: 'c', noUndo: ['b'] });
    await assert.rejects(applyPlan(plan), { code: 'EKERNEL', message: 'c refused' });
    assert.deepEqual(log, ['apply a', 'apply b', 'fail c', 'undo a']);
  });

  test('undo failures are collected into detail.undoErrors and do not replace the error', async () => {
    const boom = new TsnetError('ECONFLICT', 'd: address in use', { address: '10.0.0.2/24' });
    const { plan, log } = recorder(['a', 'b', 'c', 'd'], { failApply: 'd', failWith: boom, failUndo: ['c', 'a'] });
    await assert.rejects(applyPlan(plan), (err: unknown) => {
      assert.equal(err, boom);
      assert.ok(err instanceof TsnetError);
      assert.equal(err.code, 'ECONFLICT');
      assert.equal(err.message, 'd: address in use');
      assert.deepEqual(err.detail, { address: '10.0.0.2/24', undoErrors: ['c: cannot undo c', 'a: cannot undo a'] });
      return true;
    });
    // Unwinding carried on past the failing undos.
    assert.deepEqual(log, ['apply a', 'apply b', 'apply c', 'fail d', 'undo c', 'undo b', 'undo a']);
  });

  test('undo failures are attached to a plain Error too, and a thrown non-Error is reported', async () => {
    const plain = new Error('netlink: EBUSY');
    const plan = new Plan()
      .add({ name: 'a', describe: 'a', apply: () => {}, undo: () => { throw 'string thrown'; } })
      .add({ name: 'b', describe: 'b', apply: () => { throw plain; } });
    await assert.rejects(applyPlan(plan), (err: unknown) => {
      assert.equal(err, plain);
      assert.deepEqual((err as { detail?: unknown }).detail, { undoErrors: ['a: string thrown'] });
      return true;
    });
  });

  test('a non-Error thrown by a step is rethrown as is', async () => {
    const undone: string[] = [];
    const plan = new Plan()
      .add({ name: 'a', describe: 'a', apply: () => {}, undo: () => void undone.push('a') })
      .add({ name: 'b', describe: 'b', apply: () => { throw 42; } });
    await assert.rejects(applyPlan(plan), (err: unknown) => err === 42);
    assert.deepEqual(undone, ['a']);
  });

  test('fault option fails just before the named step with EFAULT_INJECTED and unwinds', async () => {
    const { plan, log } = recorder(['create-veth', 'attach-bridge', 'move-peer', 'set-addr']);
    await assert.rejects(applyPlan(plan, { fault: 'move-peer' }), (err: unknown) => {
      assert.ok(err instanceof TsnetError);
      assert.equal(err.code, 'EFAULT_INJECTED');
      assert.equal(err.exitStatus, 9);
      assert.match(err.message, /move-peer/);
      return true;
    });
    assert.deepEqual(log, ['apply create-veth', 'apply attach-bridge', 'undo attach-bridge', 'undo create-veth']);
  });

  test('fault at the first step touches nothing', async () => {
    const { plan, log } = recorder(['a', 'b']);
    await assert.rejects(applyPlan(plan, { fault: 'a' }), { code: 'EFAULT_INJECTED' });
    assert.deepEqual(log, []);
  });

  test('fault naming no step is a no-op', async () => {
    const { plan, log } = recorder(['a', 'b']);
    await applyPlan(plan, { fault: 'no-such-step' });
    assert.deepEqual(log, ['apply a', 'apply b']);
  });

  test('an injected fault carries undo failures like any other error', async () => {
    const { plan } = recorder(['a', 'b', 'c'], { failUndo: ['a'] });
    await assert.rejects(applyPlan(plan, { fault: 'c' }), (err: unknown) => {
      assert.ok(err instanceof TsnetError);
      assert.equal(err.code, 'EFAULT_INJECTED');
      assert.deepEqual(err.detail, { undoErrors: ['a: cannot undo a'] });
      return true;
    });
  });

  test('TSNET_FAULT is ignored unless the test suite enables its hooks (TSNET_TEST_HOOKS=1)', async () => {
    process.env['TSNET_FAULT'] = 'b';
    try {
      const r = recorder(['a', 'b', 'c']);
      await applyPlan(r.plan);
      assert.deepEqual(r.log, ['apply a', 'apply b', 'apply c']);
    } finally {
      delete process.env['TSNET_FAULT'];
    }
  });

  test('TSNET_FAULT in the environment is the default fault, and the option overrides it', async () => {
    process.env['TSNET_FAULT'] = 'b';
    process.env['TSNET_TEST_HOOKS'] = '1';
    try {
      const first = recorder(['a', 'b', 'c']);
      await assert.rejects(applyPlan(first.plan), { code: 'EFAULT_INJECTED' });
      assert.deepEqual(first.log, ['apply a', 'undo a']);

      const second = recorder(['a', 'b', 'c']);
      await assert.rejects(applyPlan(second.plan, { fault: 'c' }), { code: 'EFAULT_INJECTED' });
      assert.deepEqual(second.log, ['apply a', 'apply b', 'undo b', 'undo a']);
    } finally {
      delete process.env['TSNET_FAULT'];
      delete process.env['TSNET_TEST_HOOKS'];
    }
    const third = recorder(['a', 'b', 'c']);
    await applyPlan(third.plan);
    assert.deepEqual(third.log, ['apply a', 'apply b', 'apply c']);
  });
});
