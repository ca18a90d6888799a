/**
 * caps-config.test — the capability set after --cap-add/--cap-drop/--privileged, and the
 * image config merged with run options the way Docker merges them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPS, capNumber, effectiveCaps } from '../../../src/runtime/caps.js';
import { processArgs, resolveConfig } from '../../../src/runtime/config.js';

test('capabilities: Docker\'s defaults, added, dropped, ALL, privileged', () => {
  assert.deepEqual(effectiveCaps({}), [...DEFAULT_CAPS]);
  assert.ok((effectiveCaps({ capAdd: ['net_admin'] }) as string[]).includes('NET_ADMIN'));
  assert.ok(!(effectiveCaps({ capDrop: ['CAP_NET_RAW'] }) as string[]).includes('NET_RAW'));
  assert.deepEqual(effectiveCaps({ capDrop: ['ALL'], capAdd: ['CHOWN'] }), ['CHOWN']);
  assert.equal(effectiveCaps({ privileged: true }), 'ALL');
  assert.equal(effectiveCaps({ capAdd: ['ALL'] }), 'ALL');
  assert.throws(() => effectiveCaps({ capAdd: ['FLY'] }), /not a Linux capability/);
  assert.equal(capNumber('NET_ADMIN'), 12);
  assert.equal(capNumber('AUDIT_WRITE'), 29);
  assert.equal(capNumber('SETFCAP'), 31);
});

test('Entrypoint + Cmd, --entrypoint drops the image Cmd, env merges, defaults', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['--serve'], Env: ['PATH=/opt/bin', 'A=1'], WorkingDir: '/srv', User: 'app' };
  assert.deepEqual(processArgs({ image: 'x' }, image), ['/entry', '--serve']);
  assert.deepEqual(processArgs({ image: 'x', cmd: ['--once'] }, image), ['/entry', '--once']);
  assert.deepEqual(processArgs({ image: 'x', entrypoint: ['sh'] }, image), ['sh']);
  assert.deepEqual(processArgs({ image: 'x', entrypoint: [], cmd: ['ls'] }, image), ['ls']);
  assert.throws(() => processArgs({ image: 'x' }, {}), /no command specified/);
  const c = resolveConfig({ image: 'x', env: ['A=2'], tty: true }, { config: image }, 'f'.repeat(64));
  assert.deepEqual(c.process.env, ['HOSTNAME=ffffffffffff', 'PATH=/opt/bin', 'A=2', 'TERM=xterm']);
  assert.equal(c.process.workdir, '/srv');
  assert.equal(c.process.user, 'app');
  assert.equal(c.hostname, 'ffffffffffff');
  const d = resolveConfig({ image: 'x', cmd: ['true'], hostname: 'web', user: '0' }, {}, 'a'.repeat(64));
  assert.equal(d.process.env[1], 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.equal(d.process.workdir, '/');
  assert.equal(d.hostname, 'web');
});
