/**
 * errors.test — PINS the exit status of every error code. Users' scripts branch on these
 * (bad input vs. kernel refusal vs. timeout); changing one is a breaking change.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_CODES, TsnetError, invalid, toTsnetError, type ErrorCode } from '../../../src/core/errors.js';

describe('TsnetError', () => {
  test('exit status per code is stable', () => {
    const pinned: Record<ErrorCode, number> = {
      EINVAL: 2,
      ENOTFOUND: 3,
      ECONFLICT: 4,
      EUNSUPPORTED: 5,
      EKERNEL: 6,
      EEXEC: 6,
      ESTATE: 7,
      ETIMEOUT: 8,
      EFAULT_INJECTED: 9,
      EINTERRUPTED: 130,
      EUSAGE: 2,
      EPEER: 10,
      EPERM: 11,
      EINTERNAL: 1,
    };
    for (const [code, status] of Object.entries(pinned) as Array<[ErrorCode, number]>) {
      assert.equal(new TsnetError(code, 'x').exitStatus, status, code);
    }
    // Never 0 (success) and never 126+ (shell and signal statuses) for any code but the one
    // that means "a signal interrupted it" (the CLI exits 128+signal then, as shells do).
    for (const [code, status] of Object.entries(pinned)) if (code !== 'EINTERRUPTED') assert.ok(status >= 1 && status < 126);
    // The documented table (help, man page, README) names every code with its status.
    for (const [code, status] of Object.entries(pinned)) {
      assert.ok(EXIT_CODES.some(([n, codes]) => n === status && codes.split(', ').includes(code)), `${code} is in EXIT_CODES as ${status}`);
    }
  });

  test('carries code, message, name and optional detail; is an Error', () => {
    const e = new TsnetError('ENOTFOUND', 'guest "web" not found', { guest: 'web' });
    assert.ok(e instanceof Error);
    assert.ok(e instanceof TsnetError);
    assert.equal(e.name, 'TsnetError');
    assert.equal(e.code, 'ENOTFOUND');
    assert.equal(e.message, 'guest "web" not found');
    assert.deepEqual(e.detail, { guest: 'web' });
    assert.equal(new TsnetError('EKERNEL', 'm').detail, undefined);
    assert.match(String(e.stack), /TsnetError: guest "web" not found/);
  });

  test('invalid() is EINVAL with the message, exit status 2', () => {
    const e = invalid('VLAN "0" must be a number from 1 to 4094');
    assert.ok(e instanceof TsnetError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.message, 'VLAN "0" must be a number from 1 to 4094');
    assert.equal(e.exitStatus, 2);
    assert.equal(e.detail, undefined);
  });
});

describe('toTsnetError', () => {
  test('passes a TsnetError through untouched', () => {
    const e = new TsnetError('ETIMEOUT', 'waited 30s for carrier on eth1');
    assert.equal(toTsnetError(e), e);
  });

  test('wraps a plain Error as EINTERNAL, keeping its message', () => {
    const w = toTsnetError(new TypeError('cannot read properties of undefined'));
    assert.ok(w instanceof TsnetError);
    assert.equal(w.code, 'EINTERNAL');
    assert.equal(w.exitStatus, 1);
    assert.equal(w.message, 'cannot read properties of undefined');
    assert.equal(w.detail, undefined);
  });

  test('keeps structured detail found on a plain Error (e.g. undoErrors from applyPlan)', () => {
    const plain = Object.assign(new Error('netlink: EBUSY'), { detail: { undoErrors: ['a: gone'] } });
    const w = toTsnetError(plain);
    assert.equal(w.code, 'EINTERNAL');
    assert.deepEqual(w.detail, { undoErrors: ['a: gone'] });
    const odd = Object.assign(new Error('x'), { detail: 'not an object' });
    assert.equal(toTsnetError(odd).detail, undefined);
  });

  test('wraps non-Error values with their string form', () => {
    assert.equal(toTsnetError('plain string').message, 'plain string');
    assert.equal(toTsnetError('plain string').code, 'EINTERNAL');
    assert.equal(toTsnetError(42).message, '42');
    assert.equal(toTsnetError(undefined).message, 'undefined');
    assert.equal(toTsnetError(null).message, 'null');
    assert.equal(toTsnetError({ toString: () => 'custom' }).message, 'custom');
  });

  test('a TsnetError-lookalike that is not one is still wrapped', () => {
    const fake = Object.assign(new Error('looks like one'), { code: 'EINVAL' });
    const w = toTsnetError(fake);
    assert.notEqual(w, fake);
    assert.equal(w.code, 'EINTERNAL');
  });
});
