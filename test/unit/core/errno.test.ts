/** errno.test — errno numbers reach people as names and meanings, never bare numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errnoText } from '../../../src/core/errno.js';

test('errnoText names the errno and says what it means', () => {
  assert.equal(errnoText(100), 'ENETDOWN: network is down');
  assert.equal(errnoText(1), 'EPERM: operation not permitted (tsnet needs root)');
  assert.equal(errnoText(13), 'EACCES: permission denied');
  assert.match(errnoText(71), /^EPROTO$/);
  assert.equal(errnoText(99999), 'error 99999');
});
