/** `network prune --filter`: docker's until forms; label and unknown keys refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parsePruneFilters, parseUntil } from '../../../src/network/prune-filter.js';
import { TsnetError } from '../../../src/core/errors.js';

const now = new Date('2026-12-03T12:00:00Z');

test('until: Go durations back from now, RFC 3339 times and dates, Unix seconds', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('2.5h'), 9_000_000);
  assert.equal(parseGoDuration('24'), undefined);
  assert.equal(parseUntil('24h', now).toISOString(), '2026-12-02T12:00:00.000Z');
  assert.equal(parseUntil('90s', now).toISOString(), '2026-12-03T11:58:30.000Z');
  assert.equal(parseUntil('2026-12-01T10:00:00Z', now).toISOString(), '2026-12-01T10:00:00.000Z');
  assert.equal(parseUntil('2026-12-01T10:00:00+01:00', now).toISOString(), '2026-12-01T09:00:00.000Z');
  assert.equal(parseUntil('2026-12-01', now).toISOString(), '2026-12-01T00:00:00.000Z');
  assert.equal(parseUntil('1764756000', now).toISOString(), '2025-12-03T10:00:00.000Z');
});

test('filters: none is everything; bad values, labels, unknown keys and repeats are usage errors', () => {
  assert.deepEqual(parsePruneFilters([], now), { until: null });
  for (const bad of [['until='], ['until=yesterday'], ['label=a=b'], ['dangling=true'], ['until=1h', 'until=2h']]) {
    assert.throws(() => parsePruneFilters(bad, now), (e: unknown) => e instanceof TsnetError && e.code === 'EINVAL', bad.join(' '));
  }
});
