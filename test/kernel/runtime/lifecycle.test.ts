/**
 * Kernel tests of the container lifecycle with --network none, inside a simulated host:
 * run prints and exits with the command's status, a missing command or image is one line
 * and leaves nothing behind, -d/ps/stop/start/rm move a container through its states and
 * rm takes away its directory, cgroups and netns pin. Run both the way `ip netns exec` runs
 * tsnet (no cgroupfs in its /sys: tsnet mounts its own) and the way `nsenter --net=` does.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkip } from '../../helpers/netns';
import { ok } from '../../helpers/tsnet';
import { ContainerHost, type Launcher } from '../../helpers/containers';

for (const launcher of ['ip-netns-exec', 'nsenter'] as Launcher[]) describe(`container lifecycle (${launcher})`, { skip: rootSkip }, () => {
  let h: ContainerHost;
  after(() => h?.cleanup());

  test('run --rm prints, exits with the command\'s status, and leaves nothing', () => {
    h = new ContainerHost(launcher);
    const r = ok(h.cli(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hello']));
    assert.equal(r.stdout, 'hello\n');
    const three = h.cli(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(three.status, 3);
    assert.equal(three.stdout, 'out\n');
    assert.equal(three.stderr, 'err\n');
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout, '');
    assert.deepEqual(h.leftovers(), []);
  });

  test('a missing command exits 127, an unknown image fails, each with one line and nothing left', () => {
    const r = h.cli(['run', '--network', 'none', 'busybox', 'no-such-command']);
    assert.equal(r.status, 127);
    assert.match(r.stderr, /^tsnet: error: exec: "no-such-command": executable file not found in \$PATH\n$/);
    const img = h.cli(['run', '--rm', 'no-such-image', 'true']);
    assert.notEqual(img.status, 0);
    assert.equal(img.stderr.trim().split('\n').length, 1);
    assert.match(img.stderr, /no image "no-such-image"/);
    const mem = h.cli(['run', '--rm', '--memory', 'lots', 'busybox', 'true']);
    assert.equal(mem.status, 2);
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout, '');
    assert.deepEqual(h.leftovers(), []);
  });

  test('-d, ps, stop, start, restart, wait, rm', () => {
    const id = ok(h.cli(['run', '-d', '--name', 'sleeper', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; sleep 60 & wait'])).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(h.cli(['ps'])).stdout, /sleeper/);
    const ps = JSON.parse(ok(h.cli(['ps', '--json'])).stdout) as Array<{ name: string; state: string; pid: number }>;
    assert.equal(ps[0]!.state, 'running');
    assert.ok(ps[0]!.pid > 1);
    assert.equal(h.cli(['rm', 'sleeper']).status, 4, 'rm refuses a running container');
    ok(h.cli(['stop', 'sleeper']));
    const stopped = JSON.parse(ok(h.cli(['ps', '-a', '--json'])).stdout) as Array<{ state: string; exitCode: number }>;
    assert.equal(stopped[0]!.state, 'exited');
    assert.equal(stopped[0]!.exitCode, 7, 'SIGTERM reached the trap');
    ok(h.cli(['start', 'sleeper']));
    ok(h.cli(['restart', '-t', '0', 'sleeper']));
    ok(h.cli(['kill', 'sleeper']));
    assert.equal(ok(h.cli(['wait', 'sleeper'])).stdout.trim(), '137');
    ok(h.cli(['rm', 'sleeper']));
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout, '');
    assert.deepEqual(h.leftovers(), []);
  });
});
