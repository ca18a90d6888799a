import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gratuitousArp } from '../../../src/attach/arp-frame.js';

test('gratuitous ARP frame: broadcast request with sender IP = target IP', () => {
  const f = gratuitousArp('02:a2:e3:a9:4e:0b', '192.168.115.10');
  assert.equal(f.length, 42);
  assert.equal(f.subarray(0, 6).toString('hex'), 'ffffffffffff');
  assert.equal(f.subarray(6, 12).toString('hex'), '02a2e3a94e0b');
  assert.equal(f.readUInt16BE(12), 0x0806);
  assert.equal(f.subarray(14, 22).toString('hex'), '0001080006040001');
  assert.equal(f.subarray(22, 28).toString('hex'), '02a2e3a94e0b');
  assert.equal(f.subarray(28, 32).toString('hex'), 'c0a8730a');
  assert.equal(f.subarray(32, 38).toString('hex'), '000000000000');
  assert.equal(f.subarray(38, 42).toString('hex'), 'c0a8730a');
  assert.throws(() => gratuitousArp('02:00:00:00:00', '10.0.0.1'), { code: 'EINVAL' });
});
