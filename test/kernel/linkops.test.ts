/**
 * linkops.test — one suite, run against both LinkOps backends (netlink and iproute2), so
 * they cannot drift apart. Every test makes its own "host" and "guest" namespaces
 * (tsnet-t-<random>), drives LinkOps through fds on them, checks the result with `ip -j`
 * and removes the namespaces afterwards, even on failure. The machine's own namespace is
 * never touched.
 */
import { test, describe } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { TestNetns, addrsJson, linksJson, rootSkip, routesJson, shInNs } from '../helpers/netns.js';
import { openLinkOps } from '../../src/netlink/index.js';
import type { LinkOps, LinkOpsBackend, NetnsRef } from '../../src/netlink/linkops.js';

interface World {
  host: string;
  guest: string;
  guestRef: NetnsRef;
  /** LinkOps inside the test's host netns, and inside its guest netns. */
  ops: LinkOps;
  gops: LinkOps;
}

/** world — two fresh namespaces and a LinkOps on each; all undone by t.after. */
async function world(t: TestContext, backend: LinkOpsBackend): Promise<World> {
  const nets = new TestNetns();
  const fds: number[] = [];
  const opened: LinkOps[] = [];
  t.after(() => {
    for (const o of opened) o.close();
    for (const fd of fds) closeSync(fd);
    nets.cleanup();
  });
  const ref = (ns: string): NetnsRef => {
    const fd = openSync(`/run/netns/${ns}`, 'r');
    fds.push(fd);
    // A path a child process (nsenter, ip) can open too, unlike /proc/self/fd/N.
    return { fd, path: `/proc/${process.pid}/fd/${fd}` };
  };
  const host = nets.make('h');
  const guest = nets.make('g');
  const guestRef = ref(guest);
  const ops = await openLinkOps(ref(host), backend);
  opened.push(ops);
  const gops = await openLinkOps(guestRef, backend);
  opened.push(gops);
  return { host, guest, guestRef, ops, gops };
}

function link(ns: string, name: string) {
  return linksJson(ns).find((l) => l.ifname === name);
}

function ifindex(ns: string, name: string): number | undefined {
  return (JSON.parse(shInNs(ns, ['ip', '-j', 'link', 'show', name])) as Array<{ ifindex: number }>)[0]?.ifindex;
}

/** vethToGuest — vh0 in host, eth1 in guest, both up, eth1 with 10.60.0.2/24. */
async function vethToGuest(w: World): Promise<void> {
  await w.ops.addVeth({ name: 'vh0', peerName: 'eth1', peerNetns: w.guestRef });
  await w.ops.setLink('vh0', { up: true });
  await w.gops.setLink('eth1', { up: true });
  await w.gops.addAddr('eth1', '10.60.0.2/24');
}

for (const backend of ['netlink', 'iproute2'] as const) {
  describe(`LinkOps (${backend})`, { skip: rootSkip }, () => {
    test('bridge: create with MTU, get, list; the MTU survives the first port', async (t) => {
      const w = await world(t, backend);
      assert.equal(w.ops.backend, backend);
      await w.ops.addBridge('br0', { mtu: 1400 });
      const br = await w.ops.getLink('br0');
      assert.ok(br);
      assert.equal(br.kind, 'bridge');
      assert.equal(br.mtu, 1400);
      assert.match(br.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      assert.equal(br.index, ifindex(w.host, 'br0'));
      const all = await w.ops.listLinks();
      assert.deepEqual(all.map((l) => l.name).sort(), ['br0', 'lo']);
      assert.equal(all.find((l) => l.name === 'lo')?.kind, 'device');
      assert.equal(await w.ops.getLink('nope0'), undefined);
      // Callers may overlap requests; one socket must still answer each of them.
      const [l1, , , l2] = await Promise.all([w.ops.listLinks(), w.ops.listAddrs(), w.ops.listRoutes(), w.ops.listLinks()]);
      assert.deepEqual(l1, l2);

      await w.ops.addVeth({ name: 'vp0', peerName: 'vp1' });
      await w.ops.setLink('vp0', { master: 'br0' });
      assert.equal((await w.ops.getLink('br0'))?.mtu, 1400);
    });

    test('veth: peer created directly in the guest as eth1 with a given MAC', async (t) => {
      const w = await world(t, backend);
      await w.ops.addVeth({ name: 'vh0', peerName: 'eth1', peerMac: '02:11:22:33:44:55', mtu: 1450, peerNetns: w.guestRef });
      assert.equal(link(w.host, 'eth1'), undefined);
      assert.equal(link(w.host, 'vh0')?.mtu, 1450);
      const peer = await w.gops.getLink('eth1');
      assert.equal(peer?.kind, 'veth');
      assert.equal(peer?.mac, '02:11:22:33:44:55');
      assert.equal(peer?.mtu, 1450);
      assert.equal(link(w.guest, 'eth1')?.address, '02:11:22:33:44:55');
      assert.equal((await w.ops.getLink('vh0'))?.kind, 'veth');
    });

    test('setLink: master, up, mtu, mac; master null releases', async (t) => {
      const w = await world(t, backend);
      await w.ops.addBridge('br0');
      await w.ops.addVeth({ name: 'vh0', peerName: 'vh0p' });
      await w.ops.setLink('vh0', { master: 'br0', up: true, mtu: 1400, mac: '02:AA:bb:cc:dd:ee' });
      const br = await w.ops.getLink('br0');
      const vh = await w.ops.getLink('vh0');
      assert.equal(vh?.masterIndex, br?.index);
      assert.equal(vh?.up, true);
      assert.equal(vh?.carrier, false, 'peer is down');
      assert.equal(vh?.mtu, 1400);
      assert.equal(vh?.mac, '02:aa:bb:cc:dd:ee');
      assert.equal(vh?.linkIndex, (await w.ops.getLink('vh0p'))?.index);
      assert.equal(link(w.host, 'vh0')?.master, 'br0');
      await w.ops.setLink('vh0', { master: null, up: false });
      const after = await w.ops.getLink('vh0');
      assert.equal(after?.masterIndex, undefined);
      assert.equal(after?.up, false);
    });

    test('setLink: bridge port flags isolated and hairpin, on and off', async (t) => {
      const w = await world(t, backend);
      await w.ops.addBridge('br0');
      await w.ops.addVeth({ name: 'vh0', peerName: 'vh0p' });
      const flags = (): { isolated: boolean; hairpin: boolean } => {
        const d = JSON.parse(shInNs(w.host, ['ip', '-d', '-j', 'link', 'show', 'vh0'])) as Array<{ linkinfo?: { info_slave_data?: { isolated: boolean; hairpin: boolean } } }>;
        const data = d[0]?.linkinfo?.info_slave_data;
        assert.ok(data, 'vh0 is a bridge port');
        return { isolated: data.isolated, hairpin: data.hairpin };
      };
      await w.ops.setLink('vh0', { master: 'br0', up: true, bridgePort: { isolated: true } });
      assert.deepEqual(flags(), { isolated: true, hairpin: false });
      await w.ops.setLink('vh0', { bridgePort: { hairpin: true } });
      assert.deepEqual(flags(), { isolated: true, hairpin: true });
      await w.ops.setLink('vh0', { bridgePort: { isolated: false, hairpin: false } });
      assert.deepEqual(flags(), { isolated: false, hairpin: false });
    });

    test('setLink: move into the guest and rename in one request', async (t) => {
      const w = await world(t, backend);
      await w.ops.addVeth({ name: 'vh1', peerName: 'vtmp1' });
      await w.ops.setLink('vtmp1', { netns: w.guestRef, newName: 'eth2' });
      assert.equal(link(w.host, 'vtmp1'), undefined);
      assert.equal((await w.gops.getLink('eth2'))?.kind, 'veth');
      assert.equal(await w.gops.getLink('vtmp1'), undefined);
    });

    test('macvlan (bridge mode) on a veth parent, created directly in the guest', async (t) => {
      const w = await world(t, backend);
      await w.ops.addVeth({ name: 'phys0', peerName: 'phys0p' });
      await w.ops.setLink('phys0', { up: true });
      await w.ops.addMacvlan({ name: 'mv0', parent: 'phys0', mode: 'bridge', mac: '02:00:00:00:0a:01', mtu: 1400, netns: w.guestRef });
      assert.equal(link(w.host, 'mv0'), undefined);
      const mv = await w.gops.getLink('mv0');
      assert.equal(mv?.kind, 'macvlan');
      assert.equal(mv?.mac, '02:00:00:00:0a:01');
      assert.equal(mv?.mtu, 1400);
      const raw = JSON.parse(shInNs(w.guest, ['ip', '-j', '-d', 'link', 'show', 'mv0'])) as Array<{ linkinfo?: { info_data?: { mode?: string } } }>;
      assert.equal(raw[0]?.linkinfo?.info_data?.mode, 'bridge');
    });

    test('addresses: v4 and v6 add, list, delete; deleting a missing one is quiet', async (t) => {
      const w = await world(t, backend);
      await w.ops.addBridge('br0');
      await w.ops.setLink('br0', { up: true });
      await w.ops.addAddr('br0', '10.50.0.1/24');
      await w.ops.addAddr('br0', 'fd00:50::1/64');
      const listed = await w.ops.listAddrs('br0');
      assert.deepEqual(listed.filter((a) => !a.cidr.startsWith('fe80')).sort((a, b) => a.family - b.family), [
        { ifname: 'br0', family: 4, cidr: '10.50.0.1/24' },
        { ifname: 'br0', family: 6, cidr: 'fd00:50::1/64' },
      ]);
      assert.ok((await w.ops.listAddrs()).some((a) => a.ifname === 'lo' && a.cidr === '127.0.0.1/8'));
      const seen = addrsJson(w.host, 'br0')[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
      assert.ok(seen?.includes('10.50.0.1/24') && seen.includes('fd00:50::1/64'));
      await assert.rejects(w.ops.addAddr('br0', '10.50.0.1/24'), { code: 'ECONFLICT' });

      await w.ops.delAddr('br0', '10.50.0.1/24');
      await w.ops.delAddr('br0', 'fd00:50::1/64');
      assert.deepEqual((await w.ops.listAddrs('br0')).filter((a) => !a.cidr.startsWith('fe80')), []);
      await w.ops.delAddr('br0', '10.50.0.1/24');
      await w.ops.delAddr('nope0', '10.50.0.1/24');
    });

    test('routes: add, replace, list, delete; a /32 on-link gateway outside the subnet', async (t) => {
      const w = await world(t, backend);
      await vethToGuest(w);
      const g = w.gops;
      await g.addRoute({ family: 4, dst: 'default', gateway: '10.60.0.1' });
      let def = (await g.listRoutes(4)).find((r) => r.dst === 'default');
      assert.deepEqual([def?.gateway, def?.dev, def?.scope, def?.table], ['10.60.0.1', 'eth1', 'universe', 254]);
      assert.equal(routesJson(w.guest).find((r) => r.dst === 'default')?.gateway, '10.60.0.1');
      const connected = (await g.listRoutes(4)).find((r) => r.dst === '10.60.0.0/24');
      assert.deepEqual([connected?.scope, connected?.protocol, connected?.dev], ['link', 'kernel', 'eth1']);

      await g.addRoute({ family: 4, dst: '10.70.0.0/24', gateway: '10.60.0.1', metric: 50 });
      await assert.rejects(g.addRoute({ family: 4, dst: '10.70.0.0/24', gateway: '10.60.0.1', metric: 50 }), { code: 'ECONFLICT' });
      await g.replaceRoute({ family: 4, dst: '10.70.0.0/24', gateway: '10.60.0.254', metric: 50 });
      const r70 = (await g.listRoutes(4)).filter((r) => r.dst === '10.70.0.0/24');
      assert.deepEqual(r70.map((r) => [r.gateway, r.metric]), [['10.60.0.254', 50]]);

      // Gateway outside the subnet: a /32 scope-link route to it, then the default via it.
      await g.addRoute({ family: 4, dst: '192.168.200.1/32', dev: 'eth1', scope: 'link' });
      const host32 = (await g.listRoutes(4)).find((r) => r.dst === '192.168.200.1/32');
      assert.deepEqual([host32?.scope, host32?.dev, host32?.gateway], ['link', 'eth1', undefined]);
      await g.replaceRoute({ family: 4, dst: 'default', gateway: '192.168.200.1', dev: 'eth1' });
      def = (await g.listRoutes(4)).find((r) => r.dst === 'default');
      assert.equal(def?.gateway, '192.168.200.1');
      assert.equal((await g.listRoutes(4)).filter((r) => r.dst === 'default').length, 1);

      await g.addAddr('eth1', 'fd00:60::2/64');
      await g.addRoute({ family: 6, dst: 'fd00:99::/64', gateway: 'fd00:60::1', dev: 'eth1' });
      const v6 = (await g.listRoutes(6)).find((r) => r.dst === 'fd00:99::/64');
      assert.deepEqual([v6?.family, v6?.gateway, v6?.dev], [6, 'fd00:60::1', 'eth1']);
      assert.ok((await g.listRoutes()).some((r) => r.family === 4) && (await g.listRoutes()).some((r) => r.family === 6));

      await g.delRoute({ family: 4, dst: 'default' });
      await g.delRoute({ family: 4, dst: '10.70.0.0/24', gateway: '10.60.0.254' });
      await g.delRoute({ family: 6, dst: 'fd00:99::/64' });
      const left = (await g.listRoutes()).map((r) => r.dst);
      for (const gone of ['default', '10.70.0.0/24', 'fd00:99::/64']) assert.ok(!left.includes(gone), gone);
      await g.delRoute({ family: 4, dst: 'default' });
      await g.delRoute({ family: 4, dst: '10.70.0.0/24' });
      await g.delRoute({ family: 4, dst: '10.80.0.0/24', dev: 'nope0' });
    });

    test('neighbour: permanent entry, idempotent', async (t) => {
      const w = await world(t, backend);
      await vethToGuest(w);
      await w.gops.addNeighbour('eth1', '10.60.0.9', '02:00:00:00:00:09');
      await w.gops.addNeighbour('eth1', '10.60.0.9', '02:00:00:00:00:09');
      const neigh = JSON.parse(shInNs(w.guest, ['ip', '-j', 'neigh', 'show', 'dev', 'eth1'])) as Array<{ dst: string; lladdr?: string; state?: string[] }>;
      const e = neigh.find((n) => n.dst === '10.60.0.9');
      assert.equal(e?.lladdr, '02:00:00:00:00:09');
      assert.deepEqual(e?.state, ['PERMANENT']);
    });

    test('sysctl: set and read inside another netns only', async (t) => {
      const w = await world(t, backend);
      await vethToGuest(w);
      await w.gops.setSysctl('net.ipv4.conf.all.forwarding', '1');
      assert.equal(await w.gops.readSysctl('net.ipv4.conf.all.forwarding'), '1');
      assert.equal(shInNs(w.guest, ['cat', '/proc/sys/net/ipv4/conf/all/forwarding']).trim(), '1');
      assert.equal(shInNs(w.host, ['cat', '/proc/sys/net/ipv4/conf/all/forwarding']).trim(), '0');
      assert.equal(await w.ops.readSysctl('net.ipv4.conf.all.forwarding'), '0');
      // eth1 exists only in the guest, so its per-interface key only resolves there.
      await w.gops.setSysctl('net/ipv4/conf/eth1/arp_notify', '1');
      assert.equal(shInNs(w.guest, ['cat', '/proc/sys/net/ipv4/conf/eth1/arp_notify']).trim(), '1');
      await assert.rejects(w.ops.setSysctl('net.ipv4.conf.eth1.arp_notify', '1'), { code: 'ENOTFOUND' });
      await assert.rejects(w.ops.setSysctl('net/../../etc/hostname', 'x'), { code: 'EINVAL' });
    });

    test('delete twice is quiet; conflicts and missing links have stable codes', async (t) => {
      const w = await world(t, backend);
      await w.ops.addBridge('br0');
      await assert.rejects(w.ops.addBridge('br0'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ECONFLICT');
        assert.match(e.message, /^cannot create bridge br0: /);
        return true;
      });
      await assert.rejects(w.ops.setLink('nope0', { up: true }), { code: 'ENOTFOUND', message: /nope0/ });
      await w.ops.addVeth({ name: 'vh0', peerName: 'eth1', peerNetns: w.guestRef });
      await assert.rejects(w.ops.addVeth({ name: 'vh9', peerName: 'eth1', peerNetns: w.guestRef }), {
        code: 'ECONFLICT', message: 'cannot create veth vh9 (peer eth1): File exists',
      });
      assert.equal(link(w.host, 'vh9'), undefined, 'a failed veth leaves nothing behind');
      await assert.rejects(w.ops.addVeth({ name: 'vh8', peerName: 'vh8p', peerMac: '02:zz:00:00:00:01' }), { code: 'EINVAL' });
      await assert.rejects(w.ops.addBridge('br9', { mtu: 70000 }), { code: 'EINVAL' });
      assert.equal(link(w.host, 'br9'), undefined);
      await w.ops.deleteLink('br0');
      await w.ops.deleteLink('br0');
      assert.equal(await w.ops.getLink('br0'), undefined);
      await w.ops.deleteLink('vh0');
      assert.equal(await w.gops.getLink('eth1'), undefined, 'deleting one end removes the peer');
    });
  });
}

describe('LinkOps backends agree', { skip: rootSkip }, () => {
  test('links, addresses and routes read the same through netlink and iproute2', async (t) => {
    const w = await world(t, 'netlink');
    await w.ops.addBridge('br0', { mtu: 1400 });
    await w.ops.addVeth({ name: 'vh0', peerName: 'eth1', peerMac: '02:00:00:00:01:01', peerNetns: w.guestRef });
    await w.ops.setLink('vh0', { master: 'br0', up: true });
    await w.ops.addVeth({ name: 'phys0', peerName: 'phys0p', mtu: 9000 });
    await w.ops.addMacvlan({ name: 'mv0', parent: 'phys0', mode: 'private', netns: w.guestRef });
    await w.gops.setLink('eth1', { up: true });
    await w.gops.addAddr('eth1', '10.61.0.2/24');
    await w.gops.addAddr('eth1', 'fd00:61::2/64');
    await w.gops.addAddr('lo', '10.255.0.1/32');
    await w.gops.addRoute({ family: 4, dst: 'default', gateway: '10.61.0.1' });
    await w.gops.addRoute({ family: 4, dst: '10.90.0.0/24', gateway: '192.168.250.1', dev: 'eth1', onlink: true, metric: 7 });
    await w.gops.addRoute({ family: 4, dst: '192.168.251.1/32', dev: 'eth1', scope: 'link' });
    await w.gops.addRoute({ family: 6, dst: 'fd00:99::/64', gateway: 'fd00:61::1', dev: 'eth1' });

    for (const [a, ns] of [[w.ops, w.host], [w.gops, w.guest]] as const) {
      const fd = openSync(`/run/netns/${ns}`, 'r');
      t.after(() => closeSync(fd));
      const b = await openLinkOps({ fd, path: `/proc/${process.pid}/fd/${fd}` }, 'iproute2');
      assert.deepEqual(await b.listLinks(), await a.listLinks(), `links in ${ns}`);
      assert.deepEqual(await b.listAddrs(), await a.listAddrs(), `addresses in ${ns}`);
      assert.deepEqual(await b.listRoutes(), await a.listRoutes(), `routes in ${ns}`);
    }
  });
});
