import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarName, formatReference, isLoopbackRegistry, parseReference, repositoryName } from '../../../src/images/reference.js';
import { assertInvalid } from '../../helpers/assert.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references', () => {
  test('normalise like Docker', () => {
    const cases: [string, string][] = [
      ['busybox', 'docker.io/library/busybox:latest'],
      ['library/busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['user/app', 'docker.io/user/app:latest'],
      ['index.docker.io/busybox', 'docker.io/library/busybox:latest'],
      ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox:latest'],
      ['localhost/a/b/c:v1', 'localhost/a/b/c:v1'],
      ['quay.io/x/y_z.w-v', 'quay.io/x/y_z.w-v:latest'],
      [`busybox@${D}`, `docker.io/library/busybox@${D}`],
      [`127.0.0.1:5000/x:t@${D}`, `127.0.0.1:5000/x:t@${D}`],
      ['[::1]:5000/x', '[::1]:5000/x:latest'],
    ];
    for (const [input, want] of cases) assert.equal(formatReference(parseReference(input)), want, input);
  });

  test('parts', () => {
    const r = parseReference('127.0.0.1:5000/a/b:v2');
    assert.deepEqual(r, { domain: '127.0.0.1:5000', path: 'a/b', tag: 'v2', digest: undefined });
    assert.equal(repositoryName(r), '127.0.0.1:5000/a/b');
  });

  test('familiar names', () => {
    assert.equal(familiarName('docker.io/library/busybox'), 'busybox');
    assert.equal(familiarName('docker.io/user/app'), 'user/app');
    assert.equal(familiarName('127.0.0.1:5000/busybox'), '127.0.0.1:5000/busybox');
  });

  test('loopback registries', () => {
    assert.ok(isLoopbackRegistry('127.0.0.1:5000'));
    assert.ok(isLoopbackRegistry('localhost'));
    assert.ok(isLoopbackRegistry('[::1]:5000'));
    assert.ok(!isLoopbackRegistry('docker.io'));
    assert.ok(!isLoopbackRegistry('127.0.0.1.example.com'));
  });

  test('malformed references give one-line errors naming the bad part', () => {
    assertInvalid(() => parseReference(''), 'empty');
    assertInvalid(() => parseReference('BusyBox'), 'lowercase');
    assertInvalid(() => parseReference('busybox:'), 'bad tag ""');
    assertInvalid(() => parseReference('busybox:-x'), 'bad tag "-x"');
    assertInvalid(() => parseReference('a//b'), 'bad repository component ""');
    assertInvalid(() => parseReference('a/b_-c'), 'b_-c');
    assertInvalid(() => parseReference('busybox@sha256:abc'), 'sha256:abc');
    assertInvalid(() => parseReference(':tag'), 'no repository name');
    assertInvalid(() => parseReference(`${'a'.repeat(260)}`), 'longer than 255');
    assertInvalid(() => parseReference('busy\nbox'), 'busy\nbox');
  });
});
