/**
 * cgroup-layout.test — controllers found on v1, v2 and this machine's hybrid layout, and the
 * files a container's limits become on each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseHierarchies, limitWrites, missingFor, oomKills, parseCgroupMounts, v1Hierarchies } from '../../../src/runtime/cgroup-layout.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const V2 = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const COMBINED = '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n';

test('hybrid: every controller from its v1 hierarchy, none from the empty unified one', () => {
  const hs = chooseHierarchies(parseCgroupMounts(HYBRID), []);
  assert.deepEqual(hs.map((h) => [h.mountPoint, h.version, h.controllers]), [
    ['/sys/fs/cgroup/memory', 1, ['memory']], ['/sys/fs/cgroup/cpu', 1, ['cpu']],
    ['/sys/fs/cgroup/pids', 1, ['pids']], ['/sys/fs/cgroup/devices', 1, ['devices']],
  ]);
});

test('v2: one hierarchy with the controllers its root offers; devices never from v2', () => {
  const hs = chooseHierarchies(parseCgroupMounts(V2), ['cpuset', 'cpu', 'io', 'memory', 'pids']);
  assert.deepEqual(hs, [{ mountPoint: '/sys/fs/cgroup', version: 2, controllers: ['memory', 'cpu', 'pids'] }]);
  assert.deepEqual(missingFor(chooseHierarchies(parseCgroupMounts(V2), ['cpu']), { memory: 1 << 25, pidsLimit: 5 }), ['memory', 'pids']);
  assert.deepEqual(chooseHierarchies(parseCgroupMounts(COMBINED), [])[0]!.controllers, ['cpu']);
});

test('limits become v1 and v2 files', () => {
  const limits = { memory: 32 << 20, cpus: 0.5, pidsLimit: 20 };
  assert.deepEqual(limitWrites(1, ['memory', 'cpu', 'pids'], limits).map((w) => `${w.file}=${w.value}`), [
    'memory.limit_in_bytes=33554432', 'memory.memsw.limit_in_bytes=67108864', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000', 'pids.max=20',
  ]);
  assert.deepEqual(limitWrites(2, ['memory', 'cpu', 'pids'], limits).map((w) => `${w.file}=${w.value}`), [
    'memory.max=33554432', 'memory.swap.max=33554432', 'cpu.max=50000 100000', 'pids.max=20',
  ]);
  const dev = limitWrites(1, ['devices'], {}).map((w) => `${w.file}=${w.value}`);
  assert.equal(dev[0], 'devices.deny=a');
  assert.ok(dev.includes('devices.allow=c 1:3 rwm'));
  assert.deepEqual(limitWrites(1, ['devices'], { privileged: true }).map((w) => w.value), ['a']);
});

test('/proc/self/cgroup v1 sets and the oom_kill counter', () => {
  assert.deepEqual(v1Hierarchies('9:name=systemd:/\n4:memory:/x\n2:cpu,cpuacct:/\n0::/\n'), [['memory'], ['cpu', 'cpuacct']]);
  assert.equal(oomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKills('low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n'), 1);
  assert.equal(oomKills(''), 0);
});
