import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../../src/core/sha256.js';

test('sha256Hex matches FIPS test vectors and node:crypto', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  for (let len = 0; len < 300; len++) {
    const s = randomBytes(len).toString('latin1') + (len % 7 === 0 ? '\0é✓' : '');
    assert.equal(sha256Hex(s), createHash('sha256').update(s, 'utf8').digest('hex'), `length ${len}`);
  }
});
