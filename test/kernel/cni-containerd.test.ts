/**
 * containerd (Debian's 1.6) calling tsnet-cni: a containerd the test starts with its own
 * root, state dir and socket (in the test's "host" netns), and `ctr run --rm --cni`, which
 * reads the CNI config from /etc/cni/net.d and plugins from /opt/cni/bin; ctr runs in a
 * private mount namespace where a tmpfs over /opt and bind mounts put the test's conflist
 * and bin dir there, so the machine's own directories are neither read nor changed. The
 * container sees tsnet's address; --rm runs DEL and tsnet's state is empty again.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { busyboxTar } from '../helpers/busybox';
import { writeOciLayout } from '../helpers/oci-layout';
import { linksJson, rootSkip, sh, TestNetns } from '../helpers/netns';
import { ok, TSNET_BIN, tsnetIn } from '../helpers/tsnet';

const installed = ['containerd', 'ctr', 'runc'].every((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
const skip = rootSkip || (installed ? false : 'containerd, ctr or runc is not installed (.ci/run installs them)');

describe('containerd ctr run --cni with tsnet', { skip }, () => {
  const t = new TestNetns();
  let daemon: ChildProcess | undefined;
  let work = '';
  // runc keeps its state under /run/containerd/runc/<namespace> whatever containerd's state dir:
  // a namespace and container id of this run's own, removed afterwards.
  const tag = randomBytes(4).toString('hex');
  const ns = `tsnet-t-${tag}`;
  const id = `tsnet-t-${tag}-c1`;
  after(() => {
    if (daemon?.pid) {
      daemon.kill('SIGTERM');
      spawnSync('sh', ['-c', `for i in $(seq 50); do kill -0 ${daemon.pid} 2>/dev/null || exit 0; sleep 0.1; done`]);
    }
    spawnSync('runc', ['--root', `/run/containerd/runc/${ns}`, 'delete', '-f', id]);
    rmSync(`/run/containerd/runc/${ns}`, { recursive: true, force: true });
    if (work) {
      const mounts = sh(['findmnt', '-rn', '-o', 'TARGET']).split('\n').filter((m) => m.startsWith(work)).reverse();
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      rmSync(work, { recursive: true, force: true });
    }
    t.cleanup();
  });

  test('the container gets tsnet\'s address; --rm runs DEL', async () => {
    const host = t.make('ctrh');
    work = t.tmpdir();
    const root = join(work, 'tsnet');
    const sock = join(work, 'containerd.sock');
    for (const d of ['bin', 'net.d', 'layout']) mkdirSync(join(work, d));
    symlinkSync(TSNET_BIN, join(work, 'bin', 'tsnet'));
    writeFileSync(join(work, 'net.d', '10-tsnetctr.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: 'tsnetctr', plugins: [{ type: 'tsnet', root, ipam: { type: 'tsnet', subnet: '10.93.0.0/24' } }],
    }));
    writeFileSync(join(work, 'config.toml'), [
      'version = 2', `root = "${join(work, 'root')}"`, `state = "${join(work, 'state')}"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`, '',
    ].join('\n'));
    daemon = spawn('nsenter', [`--net=/run/netns/${host}`, '--', 'containerd', '--config', join(work, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(sock), `containerd did not start: ${log.slice(-500)}`);

    busyboxTar(work, join(work, 'bb.tar'));
    writeOciLayout(join(work, 'layout'), [readFileSync(join(work, 'bb.tar'))], 'localhost/tsnet-bb:latest');
    sh(['tar', '-C', join(work, 'layout'), '-cf', join(work, 'layout.tar'), '.']);
    const ctr = ['ctr', '-a', sock, '-n', ns];
    sh([...ctr, 'images', 'import', join(work, 'layout.tar')]);

    const inside = [
      'mount -t tmpfs tsnet-t-opt /opt', 'mkdir -p /opt/cni/bin', `mount --bind "${join(work, 'bin')}" /opt/cni/bin`, `mount --bind "${join(work, 'net.d')}" /etc/cni/net.d`,
      `exec ${ctr.join(' ')} run --rm --cni localhost/tsnet-bb:latest ${id} ip -o -4 addr show dev eth0`,
    ].join(' && ');
    const out = sh(['nsenter', `--net=/run/netns/${host}`, '--', 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', inside]);
    assert.match(out, /inet 10\.93\.0\.\d+\/24/, 'the container has an address of the tsnet network');
    const nets = JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(nets.map((n) => n.name), ['tsnetctr']);
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout), [], 'ctr --rm ran DEL');
    assert.deepEqual(linksJson(host).map((l) => l.ifname).filter((n) => n.startsWith('tsn')), []);
    spawnSync(ctr[0]!, [...ctr.slice(1), 'images', 'rm', 'localhost/tsnet-bb:latest']);
  });
});
