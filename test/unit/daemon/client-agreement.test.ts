/**
 * The native client and the daemon must agree on two things nobody negotiates: where a
 * root's daemon listens (the FNV-1a tag, computed in C and in TypeScript) and which
 * environment variables travel. The first is checked by running bin/tsnet (it names the
 * socket it tried in its --debug line, then runs the Node CLI); the second by reading the C
 * source. Neither needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORWARDED_NAMES, FORWARDED_PREFIXES } from '../../../src/daemon/client-env.js';
import { fnv1a64, rootTag, socketPathFor } from '../../../src/daemon/paths.js';

const REPO = join(__dirname, '..', '..', '..', '..');

test('root tags are pinned: changing them strands running daemons', () => {
  assert.equal(rootTag('/var/lib/tsnet'), 'default');
  assert.equal(fnv1a64(''), 'cbf29ce484222325');
  assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
  assert.equal(socketPathFor('/srv/tsnet'), `/run/tsnet/${fnv1a64('/srv/tsnet')}.sock`);
});

test('the native client looks for the daemon where the daemon listens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnet-u-root-ü '));
  try {
    const r = spawnSync(join(REPO, 'bin', 'tsnet'), ['--version', '--debug', '--root', dir], { encoding: 'utf8', env: { ...process.env, TSNET_DAEMON_SOCKET: '' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    const tried = /direct path: no daemon answers on (\S+)/.exec(r.stderr)?.[1];
    assert.equal(tried, socketPathFor(realpathSync(dir)), r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the client forwards exactly the environment the daemon lets through', () => {
  const source = readFileSync(join(REPO, 'native', 'client', 'tsnet.c'), 'utf8');
  const list = (name: string): string[] => {
    const body = new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`).exec(source)?.[1] ?? '';
    return [...body.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  };
  assert.deepEqual(list('FORWARDED_PREFIXES'), [...FORWARDED_PREFIXES]);
  assert.deepEqual(list('FORWARDED_NAMES'), [...FORWARDED_NAMES]);
});
