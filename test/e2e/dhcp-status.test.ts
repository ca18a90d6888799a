/**
 * End-to-end: `tsnet dhcp status` with real leases — one from dnsmasq on a plain bridge, one
 * from tsnet's own server on a --dhcp-server network: the keeper (pid, since, its namespace,
 * its log), each lease with its times, the server with the leases it gave, the log's tail.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync, statSync } from 'node:fs';
import { addrsJson, rootSkip, TestNetns } from '../helpers/netns';
import { DAEMON_MODE, ok, tsnetIn } from '../helpers/tsnet';
import { bridgeWithGateway, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';
import { dhcpStatus } from '../../src/cli/json-schema';

interface Status {
  keeper: { running: boolean; pid: number | null; since: string | null; netns: string | null; log: string };
  leases: Array<Record<string, unknown> & { guest: string; interface: string; address: string | null; server: string | null; obtainedAt: string; renewsAt: string; expiresAt: string; leaseSeconds: number; phase: string }>;
  servers: Array<{ network: string; bridge: string; serverIp: string; rangeStart: string; rangeEnd: string; leaseSeconds: number; leasesGiven: number }>;
  log: string[];
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('dhcp status', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  const servers: Dnsmasq[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    for (const s of servers) s.stop();
    t.cleanup();
  });

  test('the keeper, its leases (dnsmasq\'s and tsnet\'s server\'s), the server and the log', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const g2 = t.make('g2');
    const root = t.tmpdir();
    roots.push(root);
    bridgeWithGateway(host, '10.76.0.1/24');
    const server = await startDnsmasq(host, t.tmpdir(), ['--dhcp-range=10.76.0.50,10.76.0.99,1h', '--dhcp-option=option:T1,1000', '--dhcp-option=option:T2,2000']);
    servers.push(server);
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    ok(tsnetIn(host, root, ['network', 'create', 'dl', '--subnet', '10.75.0.0/24', '--dhcp-server', '--dhcp-range', '10.75.0.100-10.75.0.120', '--lease', '30m']));
    ok(tsnetIn(host, root, ['attach', 'dl', g2, 'dhcp:timeout=10']));
    const v4 = (ns: string): string => addrsJson(ns, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)[0]!;

    const st = JSON.parse(ok(tsnetIn(host, root, ['dhcp', 'status', '--json', '-n', '3'])).stdout) as Status;
    dhcpStatus.parse(st); // the schema's kind (strict), with real leases: no key null that should not be
    const pid = keeperPid(root)!;
    assert.deepEqual(Object.keys(st), ['keeper', 'leases', 'servers', 'log']);
    assert.deepEqual(st.keeper, { running: true, pid, since: st.keeper.since, netns: readlinkSync(`/proc/${pid}/ns/net`), log: `${root}/dhcp-keeper.log` });
    assert.match(st.keeper.since ?? '', ISO);
    assert.equal(st.keeper.netns, `net:[${statSync(`/run/netns/${host}`).ino}]`, 'the keeper runs in the root\'s host namespace');

    assert.equal(st.leases.length, 2);
    const [a, b] = st.leases;
    const keys = ['guest', 'interface', 'attachedTo', 'mac', 'hostname', 'address', 'server', 'obtainedAt', 'renewsAt', 'rebindsAt', 'expiresAt', 'leaseSeconds', 'phase', 'updatedAt'];
    for (const l of st.leases) assert.deepEqual(Object.keys(l), keys);
    assert.deepEqual([a!.guest, a!.interface, a!.attachedTo, a!.address, a!.server, a!.phase, a!.leaseSeconds], [`netns:${g}`, 'eth1', 'br0', v4(g), '10.76.0.1', 'BOUND', 3600]);
    for (const k of ['obtainedAt', 'renewsAt', 'rebindsAt', 'expiresAt'] as const) assert.match(String(a![k]), ISO, k);
    assert.equal(Date.parse(a!.renewsAt) - Date.parse(a!.obtainedAt), 1000_000, 'T1 as the server gave it');
    assert.equal(Date.parse(a!.expiresAt) - Date.parse(a!.obtainedAt), 3600_000);
    assert.deepEqual([b!.guest, b!.address, b!.server, b!.phase, b!.leaseSeconds], [`netns:${g2}`, v4(g2), '10.75.0.1', 'BOUND', 1800]);

    assert.equal(st.servers.length, 1);
    assert.deepEqual(st.servers[0], { network: 'dl', bridge: st.servers[0]!.bridge, serverIp: '10.75.0.1', rangeStart: '10.75.0.100', rangeEnd: '10.75.0.120', leaseSeconds: 1800, leasesGiven: 1 });

    assert.equal(st.log.length, 3, '-n 3');
    for (const line of st.log) assert.match(line, /^\d{4}-\d\d-\d\dT\S+Z \S/);

    const human = ok(tsnetIn(host, root, ['dhcp', 'status'])).stdout;
    assert.match(human, new RegExp(`^keeper: running, pid ${pid}, since \\S+, netns net:\\[\\d+\\]\\nlog: ${root}/dhcp-keeper\\.log\\n`));
    assert.match(human, /^GUEST\s+INTERFACE\s+ADDRESS\s+SERVER\s+OBTAINED\s+RENEWS\s+EXPIRES\s+PHASE$/m);
    assert.match(human, new RegExp(`^netns:${g}\\s+eth1\\s+${v4(g).replace(/\./g, '\\.')}\\s+10\\.76\\.0\\.1\\s+\\S+Z\\s+\\S+Z\\s+\\S+Z\\s+BOUND$`, 'm'));
    assert.match(human, /^dl\s+\S+\s+10\.75\.0\.100-10\.75\.0\.120\s+1800s\s+1$/m);
    assert.match(human, /^last \d+ lines of the keeper log:\n\S+Z keeper \d+: started( \(in the daemon\))?$/m);
    assert.equal(tsnetIn(host, root, ['dhcp', 'status', '-n', 'x']).status, 2);

    // dhcp leases: the same objects as a listing, with -q and --format.
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['dhcp', 'leases', '--json'])).stdout), st.leases, 'the same shape as status.leases');
    assert.equal(ok(tsnetIn(host, root, ['dhcp', 'leases', '-q'])).stdout, `${v4(g)}\n${v4(g2)}\n`);
    assert.equal(ok(tsnetIn(host, root, ['dhcp', 'leases', '--format', '{{.Guest}} {{.Phase}}'])).stdout, `netns:${g} BOUND\nnetns:${g2} BOUND\n`);

    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['detach', g2]));
    ok(tsnetIn(host, root, ['network', 'rm', 'dl']));
    // A keeper process leaves once nothing is left to keep; the daemon keeps the role.
    if (!DAEMON_MODE) await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to exit');
    const idle = JSON.parse(ok(tsnetIn(host, root, ['dhcp', 'status', '--json', '-n', '0'])).stdout) as Status;
    assert.deepEqual([idle.keeper.running, idle.leases, idle.servers, idle.log], [DAEMON_MODE, [], [], []]);
    if (!DAEMON_MODE) assert.deepEqual([idle.keeper.pid, idle.keeper.since], [null, null]);
  });
});
