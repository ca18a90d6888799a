/**
 * podman 4.3 (Debian) calling tsnet-cni for real: network_backend "cni" in a containers.conf
 * of the test's own (its --root/--runroot/--tmpdir, a conflist dir of its own, cgroupfs,
 * runc, lowered ulimits as baselines.md found this machine needs), podman run in the test's
 * "host" netns. A container gets tsnet's address (podman inspect, tsnet ls and the
 * container's own ip addr agree), a second container reaches it by address, -p publishes a
 * port a client namespace reaches, and podman rm runs DEL: no attachment, interface, port
 * or rule is left. The image is busybox imported from a tar (offline).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTar } from '../helpers/busybox';
import { linksJson, rootSkip, sh, TestNetns, wire } from '../helpers/netns';
import { ok, TSNET_BIN, tsnetIn } from '../helpers/tsnet';

const podmanSkip = rootSkip || (spawnSync('podman', ['--version']).status === 0 ? false : 'podman is not installed (.ci/run installs it)');

describe('podman with tsnet as its CNI plugin', { skip: podmanSkip }, () => {
  const t = new TestNetns();
  let host = '';
  let work = '';
  let root = '';
  const podman = (args: string[], timeout = 60_000): { status: number; stdout: string; stderr: string } => {
    const r = spawnSync('nsenter', [`--net=/run/netns/${host}`, '--', 'podman', '--root', join(work, 'root'), '--runroot', join(work, 'runroot'), '--tmpdir', join(work, 'tmp'),
      '--cgroup-manager=cgroupfs', '--events-backend=file', '--runtime', 'runc', ...args],
    { encoding: 'utf8', timeout, env: { ...process.env, CONTAINERS_CONF: join(work, 'containers.conf') } });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  const pok = (args: string[]): string => {
    const r = podman(args);
    if (r.status !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const RUN = ['run', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'tsnetpm'];

  before(() => {
    host = t.make('pmh');
    work = t.tmpdir();
    root = join(work, 'tsnet');
    for (const d of ['bin', 'net.d', 'tmp']) mkdirSync(join(work, d));
    symlinkSync(TSNET_BIN, join(work, 'bin', 'tsnet'));
    writeFileSync(join(work, 'containers.conf'), [
      '[network]', 'network_backend = "cni"', `cni_plugin_dirs = ["${join(work, 'bin')}", "/usr/lib/cni"]`, `network_config_dir = "${join(work, 'net.d')}"`, '',
    ].join('\n'));
    writeFileSync(join(work, 'net.d', 'tsnetpm.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: 'tsnetpm',
      plugins: [{ type: 'tsnet', root, ipam: { type: 'tsnet', subnet: '10.92.0.0/24' }, hairpinMode: true, capabilities: { portMappings: true } }],
    }));
    busyboxTar(work, join(work, 'bb.tar'));
    pok(['import', join(work, 'bb.tar'), 'localhost/tsnet-bb:latest']);
  });
  after(() => {
    if (work) {
      podman(['rm', '-af', '-t', '0']);
      podman(['rmi', '-af']);
      // Overlay mounts podman may have left under its root, before the directory goes.
      const mounts = sh(['findmnt', '-rn', '-o', 'TARGET']).split('\n').filter((m) => m.startsWith(work)).reverse();
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      rmSync(work, { recursive: true, force: true });
    }
    t.cleanup();
  });

  test('podman lists the network; run gets tsnet\'s address; a second container reaches it; -p is reachable; rm cleans everything', () => {
    assert.match(pok(['network', 'ls']), /tsnetpm\s+tsnet/);
    assert.equal(pok(['info', '--format', '{{.Host.NetworkBackend}}']).trim(), 'cni');
    const once = pok([...RUN, '--rm', 'localhost/tsnet-bb:latest', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    assert.match(once, /inet 10\.92\.0\.\d+\/24/, 'a --rm container has an address of the tsnet network');
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout), [], '--rm ran DEL');

    const client = t.make('pmc');
    wire({ ns: host, ifname: 'up0', cidr: '10.250.6.1/24' }, { ns: client, ifname: 'eth0', cidr: '10.250.6.2/24' });
    pok([...RUN, '-d', '--name', 'web', '-p', '18083:80', 'localhost/tsnet-bb:latest', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const ip = pok(['inspect', 'web', '--format', '{{(index .NetworkSettings.Networks "tsnetpm").IPAddress}}']).trim();
    const ls = JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ addresses: string[]; guest: string }>;
    assert.deepEqual(ls.map((a) => a.addresses), [[`${ip}/24`]], 'tsnet ls shows the address podman reports');
    assert.match(pok(['exec', 'web', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
    const nets = JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(nets.map((n) => n.name), ['tsnetpm']);

    const peer = pok([...RUN, '--rm', 'localhost/tsnet-bb:latest', 'wget', '-q', '-O', '-', `http://${ip}/passwd`]);
    assert.match(peer, /^root:x:0:0/, 'another container reaches web by address');
    let published = '';
    for (let i = 0; i < 20 && !published; i++) {
      published = spawnSync('ip', ['netns', 'exec', client, 'curl', '-s', '-m', '2', 'http://10.250.6.1:18083/passwd'], { encoding: 'utf8' }).stdout;
    }
    assert.match(published, /^root:x:0:0/, '-p 18083:80 answers from another namespace');
    const ports = JSON.parse(ok(tsnetIn(host, root, ['port', 'ls', '--json'])).stdout) as Array<{ hostPort: number }>;
    assert.deepEqual(ports.map((p) => p.hostPort), [18083]);

    pok(['rm', '-f', '-t', '0', 'web']);
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout), [], 'podman rm ran DEL');
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['port', 'ls', '--json'])).stdout), []);
    assert.deepEqual(linksJson(host).map((l) => l.ifname).filter((n) => n.startsWith('tsn')), [], 'no veth left');
    assert.equal(sh(['ip', 'netns', 'exec', host, 'iptables-save']).includes('18083'), false, 'no DNAT rule left');
  });
});
