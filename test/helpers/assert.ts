/** Shared assertions for unit tests. */
import assert from 'node:assert/strict';
import { TsnetError } from '../../src/core/errors.js';

/** assertInvalid — the call throws a one-line TsnetError EINVAL whose message contains every needle. */
export function assertInvalid(fn: () => unknown, ...needles: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TsnetError, `expected TsnetError, got ${String(err)}`);
    assert.equal(err.code, 'EINVAL');
    // Messages escape control characters to stay one line; so must the needles.
    const escaped = needles.map((n) => n.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)));
    for (const n of escaped) assert.ok(err.message.includes(n), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(n)}`);
    assert.ok(!err.message.includes('\n'), 'error messages are one line');
    return true;
  });
}
