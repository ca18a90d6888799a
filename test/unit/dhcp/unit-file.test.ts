/** The keeper unit for an installation and a root: systemd-escape's path escaping, ExecStart rewritten. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { instanceUnit, systemdEscapePath, unitFor } from '../../../src/dhcp/unit-file.js';

const PATHS = ['/var/lib/tsnet', '/tmp/tsnet-t-ab.c/x_y', '/srv/my root/ä', '/', '//a//b/', '/srv/.hidden/x', '/a:b/c%d'];

test('systemdEscapePath agrees with systemd-escape --path', { skip: spawnSync('which', ['systemd-escape']).status === 0 ? false : 'systemd-escape is not installed' }, () => {
  for (const p of PATHS) {
    const theirs = spawnSync('systemd-escape', ['--path', p], { encoding: 'utf8' }).stdout.trim();
    assert.equal(systemdEscapePath(p), theirs, p);
  }
});

test('instance names, refused roots, ExecStart rewritten once', () => {
  assert.equal(instanceUnit('/var/lib/tsnet'), 'tsnet-dhcp-keeper@var-lib-tsnet.service');
  assert.throws(() => systemdEscapePath('var/lib'), /absolute/);
  assert.throws(() => systemdEscapePath('/a/../b'), /\.\./);
  const t = '# Adjust ExecStart to where tsnet is installed (x).\n[Service]\nExecStart=/usr/bin/env node /usr/local/lib/tsnet/bin/tsnet.js dhcp-keeper --root %f\n';
  assert.equal(unitFor(t, '/usr/bin/node', '/opt/tsnet/bin/tsnet.js'), '[Service]\nExecStart=/usr/bin/node /opt/tsnet/bin/tsnet.js dhcp-keeper --root %f\n');
  assert.throws(() => unitFor(t, '/usr/bin/node', '/opt/my tsnet/bin/tsnet.js'), /plain path/);
  assert.throws(() => unitFor('[Service]\n', '/n', '/c'), /0 ExecStart/);
});
