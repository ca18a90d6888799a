/**
 * Kernel tests of faults around containers: the shim killed (ps reconciles: the process
 * killed, network and cgroups freed), the container's process killed (the shim records
 * 137 and its exit hook reconciles), the netns pin lost with /run (gc pins it again), a
 * `tsnet run` killed -9 mid-start (gc undoes it: no netns, veth, cgroup or running row),
 * a cgroup, mount and directory no container owns (gc removes them), and bad input (a
 * port taken, a bad memory size) that leaves nothing behind; a `network connect` killed -9
 * midway (gc takes the network off the container's list unless its interface was made), and
 * a `network disconnect` killed -9 midway (running it again finishes it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rootSkip, sh } from '../../helpers/netns';
import { ok, TSNET_BIN } from '../../helpers/tsnet';
import { ContainerHost } from '../../helpers/containers';
import { waitFor } from '../../helpers/keeper';

interface View { name: string; state: string; pid: number | null; exitCode: number | null; error: string | null; netns: string | null }

describe('container faults', { skip: rootSkip }, () => {
  let h: ContainerHost;
  before(() => { h = new ContainerHost('nsenter'); });
  after(() => h?.cleanup());

  const views = (): View[] => JSON.parse(ok(h.cli(['ps', '-a', '--json'])).stdout) as View[];
  const view = (name: string): View | undefined => views().find((v) => v.name === name);
  const shimOf = (name: string): number => {
    const [v] = JSON.parse(ok(h.cli(['inspect', name])).stdout) as Array<{ pid: number }>;
    return Number(sh(['ps', '-o', 'ppid=', '-p', String(v!.pid)]).trim());
  };
  const veths = (): string[] => sh(['ip', '-n', h.host, '-o', 'link', 'show', 'type', 'veth']).split('\n').filter(Boolean);

  test('the shim killed: ps kills the unsupervised process and frees its network', () => {
    ok(h.cli(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '600']));
    const pid = view('orphan')!.pid!;
    process.kill(shimOf('orphan'), 'SIGKILL');
    const v = view('orphan')!;
    assert.equal(v.state, 'exited');
    assert.match(v.error ?? '', /shim died/);
    assert.ok(!existsSync(`/proc/${pid}/stat`) || /^\d+ \([^)]*\) Z/.test(sh(['cat', `/proc/${pid}/stat`])), 'the container process is gone');
    assert.deepEqual(veths(), []);
    ok(h.cli(['rm', 'orphan']));
    assert.deepEqual(h.leftovers(), []);
  });

  test('the container\'s process killed: the shim records 137, its hook frees the network', async () => {
    ok(h.cli(['run', '-d', '--name', 'victim', 'busybox', 'sleep', '600']));
    process.kill(view('victim')!.pid!, 'SIGKILL');
    // Nothing is asked of tsnet: the shim's exit hook records the exit and detaches.
    await waitFor(() => veths().length === 0, 15000, 'the exit hook to free the network');
    const v = view('victim')!;
    assert.equal(v.state, 'exited');
    assert.equal(v.exitCode, 137);
    ok(h.cli(['rm', 'victim']));
  });

  test('the netns pin lost with /run: gc pins it again; the container keeps working', () => {
    ok(h.cli(['run', '-d', '--name', 'pinned', 'busybox', 'sleep', '600']));
    const pin = view('pinned')!.netns!;
    sh(['umount', pin]);
    sh(['rm', '-f', pin]);
    const gc = ok(h.cli(['gc']));
    assert.match(gc.stdout, /pinned the network namespace of pinned again/);
    assert.equal(spawnSync('ip', ['netns', 'exec', pin.split('/').pop()!, 'ip', '-o', 'link', 'show', 'eth0']).status, 0);
    assert.equal(ok(h.cli(['exec', 'pinned', 'true'])).status, 0);
    ok(h.cli(['rm', '-f', 'pinned']));
    assert.ok(!existsSync(pin));
  });

  test('tsnet run killed -9 mid-start: gc undoes it', () => {
    const r = spawnSync('nsenter', [`--net=/run/netns/${h.host}`, TSNET_BIN, 'run', '--root', h.root, '-d', '--name', 'halfway', 'busybox', 'sleep', '600'],
      { encoding: 'utf8', env: { ...process.env, TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'container-start:go' }, timeout: 20000 });
    assert.equal(r.signal ?? r.status, r.signal ? 'SIGKILL' : 137, r.stderr);
    const gc = ok(h.cli(['gc']));
    assert.match(gc.stdout, /container-start|halfway/);
    const v = view('halfway')!;
    assert.equal(v.state, 'created');
    assert.deepEqual(veths(), []);
    assert.deepEqual(h.leftovers().filter((l) => !l.startsWith('container dir')), []);
    ok(h.cli(['start', 'halfway']));
    assert.equal(view('halfway')!.state, 'running', 'and it starts fine afterwards');
    ok(h.cli(['rm', '-f', 'halfway']));
  });

  test('network connect killed -9 midway: gc takes the network off the container\'s list unless its interface was made', () => {
    ok(h.cli(['network', 'create', 'midnet', '--subnet', '10.83.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'midconn', '--network', 'none', 'busybox', 'sleep', '600']));
    const listed = (): string[] => (JSON.parse(ok(h.cli(['inspect', 'midconn'])).stdout) as Array<{ networks: Array<{ network: string }> }>)[0]!.networks.map((n) => n.network);
    const hasEth0 = (): boolean => h.cli(['exec', 'midconn', 'ip', 'link', 'show', 'eth0']).status === 0;
    const killedConnect = (at: string): void => {
      const r = spawnSync('nsenter', [`--net=/run/netns/${h.host}`, TSNET_BIN, 'network', 'connect', '--root', h.root, 'midnet', 'midconn'],
        { encoding: 'utf8', env: { ...process.env, TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: at }, timeout: 20000 });
      assert.equal(r.signal ?? r.status, r.signal ? 'SIGKILL' : 137, `${at}: ${r.stderr}`);
    };
    // Before the interface, and with the interface made but its attach not yet complete: undone.
    for (const at of ['container-connect:attach', 'attach:done']) {
      killedConnect(at);
      assert.match(ok(h.cli(['gc'])).stdout, /container-connect of container midconn to midnet .*midnet taken off its networks/, at);
      assert.deepEqual(listed(), [], at);
      assert.equal(hasEth0(), false, at);
    }
    // Killed after the last step: the connect had happened, and gc keeps it.
    killedConnect('container-connect:done');
    assert.match(ok(h.cli(['gc'])).stdout, /container-connect of container midconn to midnet .*it had connected/);
    assert.deepEqual(listed(), ['midnet']);
    assert.equal(hasEth0(), true);
    ok(h.cli(['rm', '-f', 'midconn']));
    ok(h.cli(['network', 'rm', 'midnet']));
    assert.deepEqual(veths(), []);
  });

  test('network disconnect killed -9 midway: running it again finishes it (the interface goes though the list no longer names it)', () => {
    ok(h.cli(['network', 'create', 'midnet2', '--subnet', '10.84.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'middis', '--network', 'none', 'busybox', 'sleep', '600']));
    ok(h.cli(['network', 'connect', 'midnet2', 'middis']));
    const r = spawnSync('nsenter', [`--net=/run/netns/${h.host}`, TSNET_BIN, 'network', 'disconnect', '--root', h.root, 'midnet2', 'middis'],
      { encoding: 'utf8', env: { ...process.env, TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'detach:remove-interface' }, timeout: 20000 });
    assert.equal(r.signal ?? r.status, r.signal ? 'SIGKILL' : 137, r.stderr);
    assert.match(ok(h.cli(['network', 'disconnect', 'midnet2', 'middis'])).stdout, /disconnected middis from midnet2/);
    assert.notEqual(h.cli(['exec', 'middis', 'ip', 'link', 'show', 'eth0']).status, 0, 'no interface left');
    assert.match(ok(h.cli(['network', 'disconnect', 'midnet2', 'middis'])).stdout, /nothing to do/);
    ok(h.cli(['rm', '-f', 'middis']));
    ok(h.cli(['network', 'rm', 'midnet2']));
    assert.deepEqual(veths(), []);
  });

  test('gc removes what no container owns: a cgroup, a mount and a directory left under the root', () => {
    const ghost = 'f'.repeat(64);
    const cg = `/sys/fs/cgroup/pids/tsnet/${h.rootId()}/${ghost}`;
    mkdirSync(cg, { recursive: true });
    const dir = join(h.root, 'containers', ghost);
    mkdirSync(join(dir, 'view'), { recursive: true });
    sh(['mount', '-t', 'tmpfs', 'tsnet-test', join(dir, 'view')]); // as a killed export leaves its view
    const dry = ok(h.cli(['gc', '--dry-run'])).stdout;
    assert.match(dry, /would have removed leftover cgroup/);
    assert.ok(existsSync(cg), 'a dry run changes nothing');
    const gc = ok(h.cli(['gc'])).stdout;
    assert.match(gc, /removed leftover cgroup .*ffffffff/);
    assert.match(gc, /unmounted leftover .*\/view/);
    assert.match(gc, /removed the directory of a container with no record \(ffffffffffff\)/);
    assert.ok(!existsSync(cg) && !existsSync(dir));
    assert.deepEqual(h.leftovers(), []);
  });

  test('bad input leaves nothing: a taken port, a bad memory size', () => {
    ok(h.cli(['run', '-d', '--name', 'first', '-p', '8099:80', 'busybox', 'httpd', '-f', '-p', '80']));
    const before = veths();
    const taken = h.cli(['run', '-d', '--name', 'second', '-p', '8099:80', 'busybox', 'httpd', '-f', '-p', '80']);
    assert.equal(taken.status, 4, taken.stderr);
    assert.equal(taken.stderr.trim().split('\n').length, 1);
    assert.equal(view('second'), undefined);
    assert.deepEqual(veths(), before);
    assert.equal(h.cli(['run', '--memory', '12q', 'busybox', 'true']).status, 2);
    ok(h.cli(['rm', '-f', 'first']));
    assert.deepEqual(views(), []);
    assert.deepEqual(h.leftovers(), []);
  });
});
