import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, humanSize } from '../../../src/cli/image-format.js';
import { bar } from '../../../src/cli/progress.js';
import { runLimited } from '../../../src/images/transfer.js';

describe('image output', () => {
  test('sizes like docker images', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1980000), '1.98MB');
    assert.equal(humanSize(870123), '870kB');
    assert.equal(humanSize(105_700_000), '106MB');
  });
  test('ages', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(ago('2026-01-01T11:55:00Z', now), '5 minutes ago');
    assert.equal(ago('2026-01-01T11:00:00Z', now), '1 hour ago');
    assert.equal(ago('2025-12-20T12:00:00Z', now), '1 week ago');
    assert.equal(ago('2026-01-01T12:00:00Z', now), 'Less than a second ago');
    assert.equal(ago(null, now), 'N/A');
  });
  test('progress bars', () => {
    assert.equal(bar(0, 100), `[>${' '.repeat(29)}] 0B/100B`);
    assert.equal(bar(50, 100), `[${'='.repeat(15)}>${' '.repeat(14)}] 50B/100B`);
    assert.equal(bar(100, 100), `[${'='.repeat(30)}] 100B/100B`);
  });
});

describe('runLimited', () => {
  test('keeps at most N running, results in order', async () => {
    let running = 0;
    let peak = 0;
    const jobs = Array.from({ length: 7 }, (_, i) => async () => {
      running++; peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      running--;
      return i * 10;
    });
    assert.deepEqual(await runLimited(jobs, 3), [0, 10, 20, 30, 40, 50, 60]);
    assert.equal(peak, 3);
  });
  test('first error wins; running jobs finish first', async () => {
    let finished = 0;
    const jobs = [
      async () => { await new Promise((r) => setTimeout(r, 20)); finished++; return 1; },
      async () => { throw new Error('boom'); },
      async () => { finished++; return 3; },
    ];
    await assert.rejects(runLimited(jobs, 2), /boom/);
    assert.equal(finished, 1, 'the slow job was awaited, the queued one never started');
  });
});
