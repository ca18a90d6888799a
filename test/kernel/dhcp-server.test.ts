/**
 * Kernel tests of tsnet's DHCP server (`network create --dhcp-server`) with real clients
 * inside guest netns: busybox udhcpc (lease from the range, hostname recorded), ISC
 * dhclient (a static reservation by MAC, then DHCPRELEASE frees it), and tsnet's own
 * client (attach NETWORK GUEST dhcp, renewed by the keeper from the server it also runs). dhclient gets -sf /bin/true and its lease and pid
 * files in the test's temp dir, so it never touches /etc or the root netns. Removing the
 * network stops the server and the keeper exits.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX, addrsJson, rootSkip, sh, shInNs, TestNetns } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';

/** network inspect --json: an array of the network kind (src/cli/json-schema.ts). */
type Lease = { ip: string; mac: string; hostname: string | null; state: string };
type Inspect = Array<{ dhcpServer: { leases: Lease[] } | null }>;

describe('DHCP server on a tsnet network', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    t.cleanup();
  });

  test('udhcpc, dhclient (reservation, release) and tsnet attach dhcp get leases from it', async () => {
    const host = t.make('host');
    const [g1, g2, g3] = [t.make('g1'), t.make('g2'), t.make('g3')];
    const root = t.tmpdir();
    roots.push(root);
    const dir = t.tmpdir();
    const cli = (args: string[]): string => ok(tsnetIn(host, root, args)).stdout;
    const leases = (): Lease[] => (JSON.parse(cli(['network', 'inspect', 'lab', '--json'])) as Inspect)[0]!.dhcpServer!.leases;
    cli(['network', 'create', 'lab', '--subnet', '10.88.0.0/24', '--dhcp-server', '--dhcp-range', '10.88.0.100-10.88.0.110',
      '--lease', '12s', '--dhcp-dns', '10.88.0.53', '--dhcp-host', '02:aa:00:00:00:42=10.88.0.42']);
    await waitFor(() => keeperPid(root), 3000, 'the keeper to serve the network');

    cli(['attach', 'lab', g1, '0/0']);
    // udhcpc reports on stderr.
    const u = spawnSync('ip', ['netns', 'exec', g1, BUSYBOX, 'udhcpc', '-q', '-n', '-t', '5', '-i', 'eth1', '-s', '/bin/true', '-x', 'hostname:bb'], { encoding: 'utf8' }).stderr;
    assert.match(u, /lease of 10\.88\.0\.100 obtained from 10\.88\.0\.1, lease time 12/);
    assert.deepEqual(leases().map((l) => [l.ip, l.hostname, l.state]), [['10.88.0.100', 'bb', 'bound']]);

    cli(['attach', 'lab', g2, '0/0', '02:aa:00:00:00:42']);
    const dh = ['dhclient', '-sf', '/bin/true', '-lf', join(dir, 'lease'), '-pf', join(dir, 'pid')];
    shInNs(g2, ['timeout', '20', ...dh, '-1', 'eth1']);
    assert.match(readFileSync(join(dir, 'lease'), 'utf8'), /fixed-address 10\.88\.0\.42;[\s\S]*option domain-name-servers 10\.88\.0\.53;/);
    assert.ok(leases().some((l) => l.ip === '10.88.0.42' && l.mac === '02:aa:00:00:00:42'));
    // -sf /bin/true configured nothing; dhclient releases from the address it holds.
    sh(['ip', '-n', g2, 'addr', 'add', '10.88.0.42/24', 'dev', 'eth1']);
    shInNs(g2, ['timeout', '20', ...dh, '-r', 'eth1']);
    await waitFor(() => !leases().some((l) => l.ip === '10.88.0.42'), 3000, 'the RELEASE to free 10.88.0.42');

    // Even with the keeper (and so the server) killed, an attach to the network starts it first.
    process.kill(keeperPid(root)!, 'SIGKILL');
    await waitFor(() => keeperPid(root) === undefined, 3000, 'the killed keeper to be seen dead');
    cli(['attach', 'lab', g3, 'dhcp:timeout=10']);
    const a = addrsJson(g3, 'eth1')[0]!.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`);
    assert.deepEqual(a, ['10.88.0.101/24']);
    assert.ok(leases().some((l) => l.ip === '10.88.0.101' && l.hostname === g3));
    // The keeper renews against the server it runs itself (T1 = 6 s).
    await waitFor(() => /tsnet-t-\S+-g3 eth1: renewed 10\.88\.0\.101\/24 from 10\.88\.0\.1/.test(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8')), 9000, 'the renewal of 10.88.0.101');

    // g3 detaches last: its RELEASE reaches the gateway although the ports it learnt the bridge's MAC with are gone.
    for (const g of [g1, g2, g3]) cli(['detach', g]);
    await waitFor(() => !leases().some((l) => l.ip === '10.88.0.101'), 3000, 'the RELEASE sent by detach');
    cli(['network', 'rm', 'lab']);
    await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to exit once nothing is left');
  });

  test('a keeper whose state root is removed under it exits (it served the network forever)', async () => {
    const host = t.make('host');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'gone', '--subnet', '10.89.0.0/24', '--dhcp-server']));
    const pid = await waitFor(() => keeperPid(root), 3000, 'the keeper to serve the network');
    const alive = (): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    rmSync(root, { recursive: true, force: true });
    try {
      await waitFor(() => !alive(), 8000, `keeper ${pid} to exit once its root is gone`);
    } finally {
      if (alive()) process.kill(pid, 'SIGKILL');
    }
    assert.ok(!existsSync(root), 'and it made no file there on its way out');
  });
});
