/**
 * files.test — the generated /etc files (Docker's hosts header, resolv.conf rules) and the
 * helper's config record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile, resolvConf, upstreamServers } from '../../../src/runtime/etc-files.js';
import { encodeRecord, execEntries, runEntries, type RunPlan } from '../../../src/runtime/helper-config.js';

test('hosts: localhost lines, --add-host, then the container\'s own addresses with its hostname and name', () => {
  const text = hostsFile('web', ['172.17.0.2'], [{ name: 'db', ip: '10.0.0.5' }]);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.equal(lines[6], '10.0.0.5\tdb');
  assert.equal(lines[7], '172.17.0.2\tweb');
  assert.equal(hostsFile('4a1b2c3d4e5f', ['10.0.0.7'], [], 'db').trimEnd().split('\n')[6], '10.0.0.7\t4a1b2c3d4e5f db', 'the container\'s name too');
});

test('resolv.conf: --dns, else lease DNS, else the host minus loopback, else Google; embedded', () => {
  const base = { dns: [], dnsSearch: [], dnsOptions: [], leaseDns: [], hostResolv: 'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch corp.example\n' };
  assert.deepEqual(upstreamServers(base), ['10.1.1.1']);
  assert.deepEqual(upstreamServers({ ...base, leaseDns: ['192.168.1.1'] }), ['192.168.1.1']);
  assert.deepEqual(upstreamServers({ ...base, dns: ['9.9.9.9'], leaseDns: ['192.168.1.1'] }), ['9.9.9.9']);
  assert.deepEqual(upstreamServers({ ...base, hostResolv: 'nameserver 127.0.0.1\n' }), ['8.8.8.8', '8.8.4.4']);
  assert.equal(resolvConf(base, false), 'nameserver 10.1.1.1\nsearch corp.example\n');
  assert.equal(resolvConf(base, true), 'nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0\n');
  assert.equal(resolvConf({ ...base, dnsSearch: ['lab'], dnsOptions: ['ndots:2'] }, false), 'nameserver 10.1.1.1\nsearch lab\noptions ndots:2\n');
});

test('the helper record: NUL-framed entries, masks unless privileged, NUL refused', () => {
  const plan: RunPlan = {
    args: ['echo', 'hi'], env: ['A=1'], workdir: '/', user: '', caps: [0, 1], noNewPrivs: true, tty: false, interactive: false, cgroups: ['/cg/x'],
    hostname: 'web', rootfs: '/r/merged', overlay: { options: 'lowerdir=a', cwd: '/l' }, readOnly: false,
    mounts: [{ kind: 'bind', source: '/h', target: '/etc/hosts', options: '' }], privileged: false, shmSize: 1024,
    net: { kind: 'new', pin: '/run/netns/tsnet-x' }, ulimits: [{ name: 'nofile', soft: 10, hard: 'unlimited' }],
    detach: true, logFile: '/l.log', exitFile: '/e.json', hook: ['/node', 'tsnet'],
  };
  const e = runEntries(plan);
  assert.deepEqual(e.slice(0, 3), [['mode', 'run'], ['arg', 'echo'], ['arg', 'hi']]);
  assert.ok(e.some(([k, v]) => k === 'mask' && v === '/proc/kcore'));
  assert.ok(e.some(([k, v]) => k === 'mount' && v === 'bind\x1f/h\x1f/etc/hosts\x1f'));
  assert.ok(e.some(([k, v]) => k === 'rlimit' && v === 'nofile\x1f10\x1funlimited'));
  assert.ok(e.some(([k, v]) => k === 'netns.pin' && v === '/run/netns/tsnet-x'));
  assert.ok(!runEntries({ ...plan, privileged: true }).some(([k]) => k === 'mask'));
  const rec = encodeRecord([['mode', 'run'], ['arg', 'a=b']]);
  assert.equal(rec.toString('latin1'), 'mode=run\0arg=a=b\0\0');
  assert.throws(() => encodeRecord([['arg', 'a\0b']]), /NUL/);
  assert.deepEqual(execEntries({ ...plan, target: 42 }).slice(0, 2), [['mode', 'exec'], ['pid', '42']]);
});
