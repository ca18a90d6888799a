/** The daemon's request log: login's password never reaches it; port mappings (-p elsewhere) do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactArgv } from '../../../src/daemon/daemon-log.js';

test("login's password is replaced, however it is spelled", () => {
  assert.equal(redactArgv(['login', 'reg:5000', '-u', 'alice', '-p', 'secret']), '"login" "reg:5000" "-u" "alice" "-p" ***');
  assert.equal(redactArgv(['login', 'reg:5000', '-psecret']), '"login" "reg:5000" "-p***"');
  assert.equal(redactArgv(['login', 'reg:5000', '--password', 'secret']), '"login" "reg:5000" "--password" ***');
  assert.equal(redactArgv(['login', 'reg:5000', '--password=secret']), '"login" "reg:5000" "--password=***"');
});

test('-p is a port mapping outside login, and stays in the log', () => {
  assert.equal(redactArgv(['port', 'publish', 'web', '-p', '8080:80']), '"port" "publish" "web" "-p" "8080:80"');
  assert.equal(redactArgv(['run', '-d', '-p', '8080:80', 'busybox']), '"run" "-d" "-p" "8080:80" "busybox"');
});

test('control characters in an argument are quoted, not written raw', () => {
  assert.equal(redactArgv(['inspect', 'a\nb']), '"inspect" "a\\nb"');
});
