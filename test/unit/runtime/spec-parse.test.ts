/**
 * spec-parse.test — Docker's spellings for run options: sizes, volumes, tmpfs, hosts,
 * ulimits, env lines and network modes, each malformed value refused with EINVAL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEnv, parseAddHost, parseCpus, parseEnvLines, parseNetworkMode, parseSize, parseTmpfs, parseUlimit, parseVolume } from '../../../src/runtime/spec-parse.js';
import { validateSpec } from '../../../src/runtime/spec.js';

const einval = (fn: () => unknown): void => { assert.throws(fn, (e: Error & { code?: string }) => e.code === 'EINVAL'); };

test('sizes are binary, with or without a unit', () => {
  assert.equal(parseSize('32m', '--memory'), 32 * 1024 * 1024);
  assert.equal(parseSize('1g', '--memory'), 1024 ** 3);
  assert.equal(parseSize('1.5k', '--memory'), 1536);
  assert.equal(parseSize('4096', '--memory'), 4096);
  assert.equal(parseSize('64MB', '--memory'), 64 * 1024 * 1024);
  for (const bad of ['', 'lots', '-1m', '1x', '1 g g']) einval(() => parseSize(bad, '--memory'));
  assert.equal(parseCpus('0.5'), 0.5);
  for (const bad of ['0', '-1', 'two', '']) einval(() => parseCpus(bad));
  einval(() => validateSpec({ image: 'x', memory: 1024 }));
});

test('volumes: absolute host path, container path, ro/rw', () => {
  assert.deepEqual(parseVolume('/srv/data:/data'), { source: '/srv/data', target: '/data', readonly: false });
  assert.deepEqual(parseVolume('/srv/data/:/data/:ro'), { source: '/srv/data', target: '/data', readonly: true });
  for (const bad of ['data:/data', '/a', '/a:b', '/a:/b:rx', '/a:/../etc', '/a:/b:ro:x']) einval(() => parseVolume(bad));
});

test('tmpfs gets Docker\'s noexec,nosuid,nodev unless told otherwise', () => {
  assert.deepEqual(parseTmpfs('/run'), { target: '/run', options: 'noexec,nosuid,nodev' });
  assert.deepEqual(parseTmpfs('/run:exec,size=64m'), { target: '/run', options: 'nosuid,nodev,exec,size=64m' });
  einval(() => parseTmpfs('/run:bogus'));
  einval(() => parseTmpfs('run'));
});

test('add-host, ulimit, env lines, network modes', () => {
  assert.deepEqual(parseAddHost('db:10.0.0.5'), { name: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseAddHost('v6:[::1]'), { name: 'v6', ip: '::1' });
  einval(() => parseAddHost('db'));
  einval(() => parseAddHost('db:notanip'));
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { name: 'nofile', soft: 1024, hard: 2048 });
  assert.deepEqual(parseUlimit('core=unlimited'), { name: 'core', soft: 'unlimited', hard: 'unlimited' });
  einval(() => parseUlimit('nofile=2048:1024'));
  einval(() => parseUlimit('bogus=1'));
  assert.deepEqual(parseEnvLines(['A=1', '# c', '', 'B', 'C'], (k) => (k === 'B' ? 'two' : undefined)), ['A=1', 'B=two']);
  einval(() => parseEnvLines(['=x'], () => undefined));
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual(parseNetworkMode('host'), { mode: { kind: 'host' } });
  assert.deepEqual(parseNetworkMode('container:web'), { mode: { kind: 'container', container: 'web' } });
  assert.deepEqual(parseNetworkMode('lab'), { mode: { kind: 'networks' }, network: 'lab' });
  einval(() => parseNetworkMode('container:'));
});

test('validateSpec refuses bad names, paths and mode combinations', () => {
  einval(() => validateSpec({ image: 'x', name: 'a' }));
  einval(() => validateSpec({ image: 'x', name: 'bad name' }));
  einval(() => validateSpec({ image: 'x', workdir: 'relative' }));
  einval(() => validateSpec({ image: 'x', networkMode: { kind: 'host' }, ports: ['80'] }));
  einval(() => validateSpec({ image: 'x', networkMode: { kind: 'none' }, networks: [{ network: 'lab' }] }));
  einval(() => validateSpec({ image: 'x', networks: [{ network: 'lab' }, { network: 'lab' }] }));
  einval(() => validateSpec({ image: 'x', env: ['NOEQUALS'] }));
  validateSpec({ image: 'x', name: 'web-1', workdir: '/srv', env: ['A=1'], networks: [{ network: 'lab', ip: '10.0.0.5', aliases: ['db'] }] });
});
