/**
 * Kernel tests of `tsnet attach`/`detach` as a user runs them, against both LinkOps
 * backends: the seed scenario (bridge, address, gateway, ping, baseline after detach),
 * idempotency and conflicts, macvlan, --direct-phys, mac:HOSTMAC, U: MACs, IPv6,
 * gateways outside the subnet, default-route restore, PID guests, passthroughs, --wait,
 * and the gratuitous ARP sent at link-up. Everything lives in tsnet-t-* namespaces.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { addrsJson, giveOldDefaultRoute, linksJson, wire, ping, rootSkip, routesJson, sh, snapshot, TestNetns } from '../helpers/netns';
import { ok, tsnetAsync, tsnetIn } from '../helpers/tsnet';

for (const backend of ['netlink', 'iproute2']) {
  describe(`attach (${backend})`, { skip: rootSkip }, () => {
    const t = new TestNetns();
    const cli = (host: string, root: string, args: string[], env?: Record<string, string>) => tsnetIn(host, root, args, { backend, env });
    after(() => t.cleanup());

    test('seed scenario: bridge, address, gateway, ping; detach restores the baseline', () => {
      const host = t.make('host');
      const g1 = t.make('g1');
      const g2 = t.make('g2');
      const root = t.tmpdir();
      const baseline = snapshot(host);
      ok(cli(host, root, ['attach', 'br0', g1, '192.168.115.10/24@192.168.115.2']));
      ok(cli(host, root, ['attach', 'br0', g2, '192.168.115.11/24']));
      const eth1 = addrsJson(g1, 'eth1')[0]!;
      assert.deepEqual(eth1.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['192.168.115.10/24']);
      const def = routesJson(g1).find((r) => r.dst === 'default');
      assert.equal(def?.gateway, '192.168.115.2');
      assert.equal(def?.dev, 'eth1');
      const br = linksJson(host).find((l) => l.ifname === 'br0');
      assert.equal(br?.linkinfo?.info_kind, 'bridge');
      assert.equal(linksJson(host).filter((l) => l.master === 'br0').length, 2);
      assert.ok(ping(g1, '192.168.115.11'), 'g1 reaches g2 over br0');
      ok(cli(host, root, ['detach', g1]));
      ok(cli(host, root, ['detach', g2]));
      assert.equal(snapshot(host), baseline, 'host netns is back to its baseline');
      assert.deepEqual(linksJson(g1).map((l) => l.ifname), ['lo']);
      assert.deepEqual(JSON.parse(ok(cli(host, root, ['ls', '--json'])).stdout), []);
    });

    test('same attach twice is a no-op; a different one is a conflict; several addresses and interfaces', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      ok(cli(host, root, ['attach', 'br0', g, '10.10.0.2/24,10.10.0.3/24']));
      const again = ok(cli(host, root, ['attach', 'br0', g, '10.10.0.3/24,10.10.0.2/24']));
      assert.match(again.stdout, /nothing to do/);
      const conflict = cli(host, root, ['attach', 'br0', g, '10.10.0.9/24']);
      assert.equal(conflict.status, 4, conflict.stderr);
      assert.match(conflict.stderr, /already has eth1/);
      ok(cli(host, root, ['attach', '-i', 'eth2', 'br0', g, '10.10.0.4/24']));
      const taken = cli(host, root, ['attach', '-i', 'eth3', 'br0', g, '10.10.0.4/24']);
      assert.equal(taken.status, 4, 'an address is handed out once per bridge');
      assert.match(taken.stderr, /10\.10\.0\.4\/24 is already in use on br0/);
      const ips = addrsJson(g).filter((a) => a.ifname !== 'lo').flatMap((a) => a.addr_info.filter((i) => i.family === 'inet').map((i) => `${a.ifname} ${i.local}`)).sort();
      assert.deepEqual(ips, ['eth1 10.10.0.2', 'eth1 10.10.0.3', 'eth2 10.10.0.4']);
      const listed = JSON.parse(ok(cli(host, root, ['inspect', g, '--json'])).stdout) as Array<{ interface: string; addresses: string[] }>;
      assert.deepEqual(listed.map((v) => v.interface), ['eth1', 'eth2']);
      ok(cli(host, root, ['detach', g, '-i', 'eth2']));
      assert.deepEqual(linksJson(g).map((l) => l.ifname).sort(), ['eth1', 'lo']);
      ok(cli(host, root, ['detach', g]));
      assert.match(ok(cli(host, root, ['detach', g])).stdout, /nothing to do/, 'detach twice is fine');
    });

    test('gateway outside the subnet gets an on-link route; detach restores the old default', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      // The guest already has a default route through an interface tsnet did not make.
      giveOldDefaultRoute(g, host);
      ok(cli(host, root, ['attach', 'br0', g, '10.20.0.5/24@10.20.9.1']));
      const routes = routesJson(g);
      assert.ok(routes.some((r) => r.dst === '10.20.9.1' && r.dev === 'eth1' && r.scope === 'link'), JSON.stringify(routes));
      assert.deepEqual(routes.filter((r) => r.dst === 'default').map((r) => r.gateway), ['10.20.9.1']);
      ok(cli(host, root, ['detach', g]));
      assert.deepEqual(routesJson(g).filter((r) => r.dst === 'default').map((r) => `${r.gateway} ${r.dev}`), ['172.31.0.1 old0']);
    });

    test('macvlan on a NIC, chosen by name and by mac:, with a U: MAC; macvlans reach each other', () => {
      const host = t.make('host');
      const outside = t.make('wire');
      const g1 = t.make('g1');
      const g2 = t.make('g2');
      const root = t.tmpdir();
      wire({ ns: host, ifname: 'phys0' }, { ns: outside, ifname: 'uplink' });
      const physMac = linksJson(host).find((l) => l.ifname === 'phys0')!.address!;
      ok(cli(host, root, ['attach', 'phys0', g1, '10.30.0.2/24', 'U:web-1']));
      ok(cli(host, root, ['attach', `mac:${physMac}`, g2, '10.30.0.3/24']));
      const e1 = linksJson(g1).find((l) => l.ifname === 'eth1')!;
      assert.equal(e1.linkinfo?.info_kind, 'macvlan');
      assert.equal(e1.address, '02:c6:0f:6e:09:5e', 'pipework-compatible U: MAC (echo web-1 | md5sum)');
      assert.equal(linksJson(g2).find((l) => l.ifname === 'eth1')?.linkinfo?.info_kind, 'macvlan');
      assert.ok(ping(g1, '10.30.0.3'), 'macvlan bridge mode forwards between siblings');
      ok(cli(host, root, ['detach', g1]));
      ok(cli(host, root, ['detach', g2]));
      assert.deepEqual(linksJson(g1).map((l) => l.ifname), ['lo']);
      assert.ok(linksJson(host).some((l) => l.ifname === 'phys0'), 'the parent NIC stays');
    });

    test('--direct-phys moves the NIC in and detach moves it back', () => {
      const host = t.make('host');
      const outside = t.make('wire');
      const g = t.make('g');
      const root = t.tmpdir();
      wire({ ns: host, ifname: 'phys1', up: false }, { ns: outside, ifname: 'uplink', up: false });
      ok(cli(host, root, ['attach', '--direct-phys', '-i', 'eth5', 'phys1', g, '10.40.0.2/24']));
      assert.ok(!linksJson(host).some((l) => l.ifname === 'phys1'));
      assert.deepEqual(addrsJson(g, 'eth5')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.40.0.2']);
      ok(cli(host, root, ['detach', g]));
      assert.ok(linksJson(host).some((l) => l.ifname === 'phys1'), 'phys1 is home again');
      assert.deepEqual(linksJson(g).map((l) => l.ifname), ['lo']);
    });

    test('IPv6 address with gateway, -a 6, and a PID guest', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const sleeper = tsnetlessSleep(g);
      try {
        ok(cli(host, root, ['attach', '-a', '6', 'br0', String(sleeper.pid), 'fd00:77::10/64@fd00:77::1']));
        const v6 = addrsJson(g, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet6').map((a) => `${a.local}/${a.prefixlen}`);
        assert.ok(v6.includes('fd00:77::10/64'), JSON.stringify(v6));
        assert.equal(routesJson(g, '-6').find((r) => r.dst === 'default')?.gateway, 'fd00:77::1');
        const listed = JSON.parse(ok(cli(host, root, ['ls', '--json'])).stdout) as Array<{ guest: string }>;
        assert.deepEqual(listed.map((v) => v.guest), [`pid:${sleeper.pid}`]);
        // The address is usable at once (no DAD wait): a second guest reaches it immediately.
        const g2 = t.make('g2');
        ok(cli(host, root, ['attach', 'br0', g2, 'fd00:77::11/64']));
        assert.ok(ping(g2, 'fd00:77::10'), 'IPv6 reachable right after attach');
        ok(cli(host, root, ['detach', g2]));
        ok(cli(host, root, ['detach', `pid:${sleeper.pid}`]));
        assert.deepEqual(linksJson(g).map((l) => l.ifname), ['lo']);
      } finally {
        sleeper.kill();
      }
    });

    test('a new bridge takes the default route\'s MTU; -l names the host end; a netns path is a guest', () => {
      const host = t.make('host');
      const outside = t.make('wire');
      const g = t.make('g');
      const root = t.tmpdir();
      wire({ ns: host, ifname: 'uplink0', cidr: '10.254.0.2/24', mtu: 1400 }, { ns: outside, ifname: 'up0', mtu: 1400, up: false });
      sh(['ip', '-n', host, 'route', 'add', 'default', 'via', '10.254.0.1']);
      ok(cli(host, root, ['attach', '-l', 'vweb0', 'br7', `/run/netns/${g}`, '10.11.0.2/24']));
      const links = linksJson(host);
      assert.equal(links.find((l) => l.ifname === 'br7')?.mtu, 1400, 'bridge MTU from the default route');
      assert.equal(links.find((l) => l.ifname === 'vweb0')?.master, 'br7');
      assert.equal(links.find((l) => l.ifname === 'vweb0')?.mtu, 1400);
      assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.mtu, 1400, 'the guest end inherits it too');
      const taken = cli(host, root, ['attach', '-i', 'eth2', '-l', 'vweb0', 'br7', g, '10.11.0.3/24']);
      assert.equal(taken.status, 4, taken.stderr);
      assert.match(taken.stderr, /vweb0 already exists/);
      ok(cli(host, root, ['detach', `/run/netns/${g}`]));
      assert.ok(!linksJson(host).some((l) => l.ifname === 'vweb0' || l.ifname === 'br7'));
    });

    test('route, rule and tc run inside the guest', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      ok(cli(host, root, ['attach', 'br0', g, '10.50.0.2/24']));
      ok(cli(host, root, ['route', g, 'add', '10.99.0.0/16', 'via', '10.50.0.1']));
      assert.ok(routesJson(g).some((r) => r.dst === '10.99.0.0/16' && r.gateway === '10.50.0.1'));
      ok(cli(host, root, ['rule', g, 'add', 'from', '10.50.0.2', 'table', '100']));
      assert.match(sh(['ip', '-n', g, 'rule', 'show']), /from 10\.50\.0\.2 lookup 100/);
      ok(cli(host, root, ['tc', g, 'qdisc', 'add', 'dev', 'eth1', 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms']));
      assert.match(sh(['tc', '-n', g, 'qdisc', 'show', 'dev', 'eth1']), /qdisc tbf/);
      const bad = cli(host, root, ['route', g, 'add', 'nonsense']);
      assert.notEqual(bad.status, 0);
      assert.equal(bad.stderr.trim().split('\n').length, 1, 'one-line error');
    });

    test('attach --wait inside the guest returns once the interface is up', async () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const waiting = tsnetAsync(g, t.tmpdir(), ['attach', '--wait', '-i', 'eth1', '--timeout', '20'], { backend });
      await new Promise((r) => setTimeout(r, 300));
      ok(cli(host, root, ['attach', 'br0', g, '10.60.0.2/24']));
      const w = await waiting;
      assert.equal(w.status, 0, w.stderr);
      const timeout = await tsnetAsync(g, t.tmpdir(), ['attach', '--wait', '-i', 'eth9', '--timeout', '0.3'], { backend });
      assert.equal(timeout.status, 8, 'ETIMEOUT exit status');
    });

    test('gratuitous ARP at link-up updates a neighbour on the bridge without waiting', async () => {
      const host = t.make('host');
      const g1 = t.make('g1');
      const g2 = t.make('g2');
      const root = t.tmpdir();
      ok(cli(host, root, ['attach', 'br0', g1, '10.70.0.10/24', 'U:first']));
      ok(cli(host, root, ['attach', 'br0', g2, '10.70.0.11/24']));
      assert.ok(ping(g2, '10.70.0.10'));
      ok(cli(host, root, ['detach', g1]));
      ok(cli(host, root, ['attach', 'br0', g1, '10.70.0.10/24', 'U:second']));
      const expected = linksJson(g1).find((l) => l.ifname === 'eth1')!.address;
      let seen = '';
      for (let i = 0; i < 20 && seen !== expected; i++) {
        const neigh = JSON.parse(sh(['ip', '-n', g2, '-j', 'neigh', 'show', '10.70.0.10'])) as Array<{ lladdr?: string }>;
        seen = neigh[0]?.lladdr ?? '';
        if (seen !== expected) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(seen, expected, 'g2 learnt the new MAC from the gratuitous ARP');
    });
  });
}

/** tsnetlessSleep — a process living in netns g, to be named by PID. */
function tsnetlessSleep(g: string): { pid: number; kill(): void } {
  const child = spawn('ip', ['netns', 'exec', g, 'sleep', '300'], { stdio: 'ignore' });
  // ip netns exec execs sleep in place, so the child's PID is the sleeper's.
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    try {
      const link = readlinkSync(`/proc/${child.pid}/exe`);
      if (link.endsWith('/sleep')) break;
    } catch { /* not yet */ }
  }
  return { pid: child.pid!, kill: () => child.kill('SIGKILL') };
}
