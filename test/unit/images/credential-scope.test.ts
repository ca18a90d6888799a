/**
 * credential-scope — where a registry's credentials may go: its own origin; a token realm
 * on another origin only over https, or on the same host for a plain-HTTP registry; never
 * from https down to http; nothing but http(s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkScheme, realmGets, sameOrigin } from '../../../src/images/credential-scope.js';
import { limitsFrom, sizeText, DEFAULT_LIMITS } from '../../../src/images/limits.js';
import { parseConfig } from '../../../src/state/config.js';
import { assertInvalid } from '../../helpers/assert.js';

const u = (s: string): URL => new URL(s);

test('Authorization only for the registry\'s own origin', () => {
  assert.ok(sameOrigin(u('https://r.example'), u('https://r.example/v2/x')));
  assert.ok(!sameOrigin(u('https://r.example'), u('https://r.example:8443/v2/x')), 'another port');
  assert.ok(!sameOrigin(u('https://r.example'), u('https://blobs.example/x')), 'another host');
  assert.ok(!sameOrigin(u('http://127.0.0.1:5000'), u('http://127.0.0.1:5001/upload')));
});

test('token realms: https gets the credentials, plain http only on the plain registry\'s own host', () => {
  assert.equal(realmGets(u('https://r.example'), u('https://auth.example/token')), 'credentials');
  assert.equal(realmGets(u('http://127.0.0.1:5000'), u('http://127.0.0.1:6000/token')), 'credentials');
  assert.equal(realmGets(u('http://127.0.0.1:5000'), u('http://127.0.0.2:6000/token')), 'anonymous');
  assert.equal(realmGets(u('http://reg.lan:5000'), u('http://auth.lan/token')), 'anonymous');
  assertInvalid(() => realmGets(u('https://r.example'), u('http://r.example/token')), 'would go from https to plain http');
  assertInvalid(() => realmGets(u('https://r.example'), u('file:///etc/passwd')), 'is not an http(s) URL');
});

test('redirects and Locations never step down from https', () => {
  checkScheme(u('http://a'), u('https://b'), 'x');
  checkScheme(u('https://a'), u('https://b'), 'x');
  assertInvalid(() => checkScheme(u('https://a'), u('http://a/x'), 'redirect to'), 'redirect to http://a/x would go from https to plain http');
});

test('limits from config.json: quantities with units, one-line errors', () => {
  const c = parseConfig('{"registry-connect-timeout":"2m","registry-idle-timeout":5,"max-layer-size":"1.5GiB"}');
  assert.deepEqual(limitsFrom(c), { ...DEFAULT_LIMITS, connectTimeoutMs: 120_000, idleTimeoutMs: 5000, maxLayerBytes: 1.5 * 2 ** 30 });
  assert.deepEqual(limitsFrom(parseConfig('{}')), DEFAULT_LIMITS);
  assertInvalid(() => parseConfig('{"max-layer-size":"lots"}', 'c.json'), 'c.json max-layer-size "lots" must be a positive quantity, e.g. "32GiB"');
  assertInvalid(() => parseConfig('{"registry-idle-timeout":"-1s"}', 'c.json'), 'registry-idle-timeout');
  assertInvalid(() => parseConfig('{"registry-idle-timeout":"3 days"}', 'c.json'), 'registry-idle-timeout');
  assert.equal(sizeText(4 << 20), '4 MiB');
  assert.equal(sizeText(1000), '1000 bytes');
});
