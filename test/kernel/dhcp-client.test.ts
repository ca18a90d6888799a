/**
 * Kernel tests of the DHCP client against Debian's dnsmasq as the server, on a bridge in a
 * throwaway host netns: attach gets address, prefix, default route, classless routes (121)
 * and MTU (26); the keeper's renewal shows in dnsmasq's lease file before T2; detach sends
 * DHCPRELEASE (the lease leaves the file); a keeper killed with SIGKILL is restarted by the
 * next command and keeps the lease; hostile datagrams change nothing; a re-attach gets the
 * same address; a guest deleted without detach is let go and, back under the same name, gets
 * its address again by INIT-REBOOT; no server means a clean timeout with nothing left behind. dnsmasq will not lease for less than 120 s
 * (60 s is raised to 2 m), so T1/T2 are made short with options 58/59 instead.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsJson, linksJson, rootSkip, routesJson, sh, snapshot, TestNetns } from '../helpers/netns';
import { encode } from '../../src/dhcp/packet';
import { MSG, clientMessage, leaseOptions, serverReply } from '../../src/dhcp/options';
import { ok, tsnetIn } from '../helpers/tsnet';
import { bridgeWithGateway, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';

const RANGE = '--dhcp-range=10.77.0.50,10.77.0.99,60s';

describe('DHCP client against dnsmasq', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const servers: Dnsmasq[] = [];
  const roots: string[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    for (const s of servers) s.stop();
    t.cleanup();
  });

  async function setup(extra: string[] = []): Promise<{ host: string; g: string; root: string; server: Dnsmasq }> {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    roots.push(root);
    bridgeWithGateway(host, '10.77.0.1/24');
    const server = await startDnsmasq(host, t.tmpdir(), [RANGE, ...extra]);
    servers.push(server);
    return { host, g, root, server };
  }

  const v4 = (ns: string, dev: string): string[] => addrsJson(ns, dev).flatMap((a) => a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`));

  test('attach gets a lease with routes and MTU; renewal before T2; detach releases it', async () => {
    const { host, g, root, server } = await setup(['--dhcp-option=option:T1,4', '--dhcp-option=option:T2,50',
      '--dhcp-option=option:mtu,1400', '--dhcp-option=121,10.99.0.0/16,10.77.0.1,0.0.0.0/0,10.77.0.1']);
    const baseline = snapshot(host);
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp:-f,hostname=webby']));
    const [addr] = v4(g, 'eth1');
    assert.match(addr ?? '', /^10\.77\.0\.\d+\/24$/);
    assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.mtu, 1400);
    const routes = routesJson(g);
    assert.equal(routes.find((r) => r.dst === 'default')?.gateway, '10.77.0.1');
    assert.equal(routes.find((r) => r.dst === '10.99.0.0/16')?.gateway, '10.77.0.1');
    const lease = server.leases()[0]!;
    assert.equal(lease[2], addr!.split('/')[0]);
    assert.equal(lease[3], 'webby');
    const ls = JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ addresses: string[]; dhcp?: { phase: string; server: string } }>;
    assert.deepEqual(ls[0]?.addresses, [addr]);
    assert.equal(ls[0]?.dhcp?.server, '10.77.0.1');
    assert.equal(ls[0]?.dhcp?.phase, 'BOUND');
    assert.match(ok(tsnetIn(host, root, ['ls'])).stdout, /BOUND until \d\d:\d\d:\d\dZ/);

    // T1 = 4 s (dnsmasq turns a T1 under 4 s into T2 - 1): the keeper renews (unicast) and dnsmasq moves the expiry on, long before T2 (50 s).
    const firstExpiry = Number(lease[0]);
    await waitFor(() => Number(server.leases()[0]?.[0]) > firstExpiry, 8000, 'the renewal to reach the lease file').catch((e) => { console.log(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8'), server.leases()); throw e; });
    assert.match(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8'), /renewed 10\.77\.0\.\d+\/24 from 10\.77\.0\.1/);

    ok(tsnetIn(host, root, ['detach', g]));
    await waitFor(() => server.leases().length === 0, 3000, 'DHCPRELEASE to empty the lease file');
    await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to exit with no lease left');
    assert.equal(snapshot(host), baseline);
  });

  test('a keeper killed with SIGKILL is restarted by the next command and keeps the lease', async () => {
    const { host, g, root, server } = await setup(['--dhcp-option=option:T1,4', '--dhcp-option=option:T2,50']);
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    const addr = v4(g, 'eth1')[0];
    const first = await waitFor(() => keeperPid(root), 3000, 'the keeper to start');
    process.kill(first, 'SIGKILL');
    await waitFor(() => keeperPid(root) === undefined, 3000, 'the killed keeper to be seen dead');
    const expiry = Number(server.leases()[0]?.[0]);
    ok(tsnetIn(host, root, ['ls']));
    const second = await waitFor(() => keeperPid(root), 3000, 'the next command to start a keeper');
    assert.notEqual(second, first);
    await waitFor(() => Number(server.leases()[0]?.[0]) > expiry, 8000, 'the new keeper to renew');
    assert.deepEqual(v4(g, 'eth1'), [addr]);
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('hostile datagrams to port 68 neither crash the keeper nor change the address', async () => {
    const { host, g, root, server } = await setup(['--dhcp-option=option:T1,4', '--dhcp-option=option:T2,50']);
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    const [addr] = v4(g, 'eth1');
    const ip = addr!.split('/')[0]!;
    const keeper = await waitFor(() => keeperPid(root), 3000, 'the keeper to start');
    const mac = linksJson(g).find((l) => l.ifname === 'eth1')!.address!;
    const valid = encode(serverReply({ type: MSG.ACK, to: clientMessage({ mac, clientId: Buffer.from([0]), params: [] }, { type: MSG.REQUEST, xid: 1, broadcast: false }),
      yiaddr: '10.77.0.66', serverId: '10.77.0.1', extra: leaseOptions({ prefix: 8, leaseSecs: 5, routers: ['10.77.0.99'], dns: [] }) }));
    const cookie = Buffer.from(valid);
    cookie.writeUInt32BE(0xdeadbeef, 236);
    const overflow = Buffer.concat([valid.subarray(0, 240), Buffer.from([53, 1, 5, 6, 200, 1, 2])]);
    const junk = [Buffer.from('hello'), valid.subarray(0, 100), cookie, overflow, valid /* an ACK for an xid never sent */];
    const send = `const s = require('dgram').createSocket('udp4');
      const all = process.argv.slice(1).map((h) => Buffer.from(h, 'hex'));
      (function next() { const b = all.shift(); if (!b) return s.close(); s.send(b, 68, '${ip}', next); })();`;
    sh(['ip', 'netns', 'exec', host, process.execPath, '-e', send, ...junk.map((b) => b.toString('hex'))]);
    const expiry = Number(server.leases()[0]?.[0]);
    await waitFor(() => Number(server.leases()[0]?.[0]) > expiry, 8000, 'a renewal after the junk');
    assert.equal(keeperPid(root), keeper, 'the same keeper is still running');
    assert.deepEqual(v4(g, 'eth1'), [addr]);
    assert.equal(routesJson(g).find((r) => r.dst === 'default')?.gateway, '10.77.0.1');
    assert.match(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8'), /dropped a malformed datagram: wrong magic cookie 0xdeadbeef/);
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('a re-attach gets the same address (stable client-id, INIT-REBOOT)', async () => {
    const { host, g, root } = await setup();
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    const addr = v4(g, 'eth1')[0];
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    assert.deepEqual(v4(g, 'eth1'), [addr]);
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('a guest restarted without detach: the keeper lets the old netns go, the new one gets its address back by INIT-REBOOT', async () => {
    const { host, g, root } = await setup();
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    const [addr] = v4(g, 'eth1');
    await waitFor(() => keeperPid(root), 3000, 'the keeper to start');
    const hostIf = (JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ hostInterface: string }>)[0]!.hostInterface;
    sh(['ip', 'netns', 'del', g]);
    // Held by the keeper's fd and socket, the netns (and the veth pair) would live on.
    await waitFor(() => !linksJson(host).some((l) => l.ifname === hostIf), 8000, `${hostIf} to disappear with the guest`);
    assert.match(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8'), /network namespace is gone; lease dropped/);
    ok(tsnetIn(host, root, ['gc']));
    await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to exit after gc removed the record');
    // The guest comes back under the same name; dnsmasq still holds its lease (no RELEASE was sent).
    sh(['ip', 'netns', 'add', g]);
    const r = ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp', '--debug']));
    assert.match(r.stderr, /reboot: kept 10\.77\.0\.\d+\/24/);
    assert.deepEqual(v4(g, 'eth1'), [addr]);
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('a failure after the lease was granted rolls back: address gone, lease released, no record', async () => {
    const { host, g, root, server } = await setup();
    const before = [snapshot(host), snapshot(g)];
    for (const step of ['dhcp-keeper', 'announce']) {
      const r = tsnetIn(host, root, ['attach', 'br0', g, 'dhcp'], { env: { TSNET_FAULT: step } });
      assert.equal(r.status, 9, r.stderr);
      assert.deepEqual([snapshot(host), snapshot(g)], before, `after a fault at ${step}`);
      await waitFor(() => server.leases().length === 0, 3000, `the RELEASE sent by the undo (fault at ${step})`);
      assert.equal(ok(tsnetIn(host, root, ['ls', '--json'])).stdout.trim(), '[]');
    }
    await waitFor(() => keeperPid(root) === undefined, 5000, 'no keeper left');
  });

  test('no server: the attach times out cleanly and leaves nothing behind', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    roots.push(root);
    bridgeWithGateway(host, '10.78.0.1/24');
    const before = [snapshot(host), snapshot(g)];
    const r = tsnetIn(host, root, ['attach', 'br0', g, 'dhcp:timeout=2']);
    assert.equal(r.status, 8, r.stderr);
    assert.match(r.stderr, /no DHCP lease for eth1 within 2s/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual([snapshot(host), snapshot(g)], before);
    assert.equal(ok(tsnetIn(host, root, ['ls', '--json'])).stdout.trim(), '[]');
    assert.equal(keeperPid(root), undefined);
  });
});
