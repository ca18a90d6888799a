/**
 * Kernel tests of network membership and options: `network connect|disconnect` (Docker's
 * verbs), --icc=false through isolated bridge ports (members cannot reach each other, but do
 * reach the gateway), dual-stack --ipv6, the root's config.json pools, and `network create -b`
 * on a bridge someone else made. Each test has its own host netns.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsJson, linksJson, ping, rootSkip, routesJson, sh, snapshot, TestNetns } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';

interface NetworkJson { name: string; bridge: string; subnet: string; gateway: string; icc: boolean; subnet6: string | null; gateway6: string | null }

function ipv4(ns: string, ifname: string, family: 'inet' | 'inet6' = 'inet'): string[] {
  return (addrsJson(ns, ifname)[0]?.addr_info ?? []).filter((a) => a.family === family && !a.local.startsWith('fe80:')).map((a) => a.local);
}

for (const backend of ['netlink', 'iproute2']) {
  describe(`network membership (${backend})`, { skip: rootSkip }, () => {
    const t = new TestNetns();
    const cli = (host: string, root: string, args: string[]) => tsnetIn(host, root, args, { backend });
    after(() => t.cleanup());

    test('connect picks the next free ethN and address; --ip fixes one; disconnect undoes; both idempotent', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const baseline = snapshot(host);
      ok(cli(host, root, ['network', 'create', 'front', '--subnet', '10.81.0.0/24']));
      ok(cli(host, root, ['network', 'create', 'back', '--subnet', '10.82.0.0/24']));
      ok(cli(host, root, ['network', 'connect', 'front', g]));
      assert.match(ok(cli(host, root, ['network', 'connect', 'front', g])).stdout, /already on network front as eth1; nothing to do/);
      ok(cli(host, root, ['network', 'connect', '--ip', '10.82.0.50', 'back', g]));
      assert.deepEqual(ipv4(g, 'eth1'), ['10.81.0.2']);
      assert.deepEqual(ipv4(g, 'eth2'), ['10.82.0.50']);
      assert.equal(routesJson(g).find((r) => r.dst === 'default')?.gateway, '10.82.0.1', 'the last network connected gives the default route');
      assert.ok(ping(g, '10.81.0.1') && ping(g, '10.82.0.1'), 'both gateways answer');

      const gatewayIp = cli(host, root, ['network', 'connect', '--ip', '10.82.0.1', '-i', 'eth3', 'back', g]);
      assert.equal(gatewayIp.status, 4);
      assert.match(gatewayIp.stderr, /is the gateway of network back/);
      const outside = cli(host, root, ['network', 'connect', '--ip', '10.9.9.9', '-i', 'eth3', 'back', g]);
      assert.equal(outside.status, 2);
      assert.match(outside.stderr, /not in network back/);
      const missing = cli(host, root, ['network', 'connect', 'nosuch', g]);
      assert.equal(missing.status, 3);
      assert.match(missing.stderr, /no network named nosuch/);

      ok(cli(host, root, ['network', 'disconnect', 'front', g]));
      assert.equal(linksJson(g).some((l) => l.ifname === 'eth1'), false);
      assert.match(ok(cli(host, root, ['network', 'disconnect', 'front', g])).stdout, /not on network front; nothing to do/);
      ok(cli(host, root, ['network', 'disconnect', 'back', g]));
      ok(cli(host, root, ['network', 'rm', 'front', 'back']));
      assert.equal(snapshot(host), baseline);
    });

    test('--icc=false: members cannot reach each other but reach the gateway; icc=true networks are untouched', () => {
      const host = t.make('host');
      const [g1, g2, g3, g4] = [t.make('g1'), t.make('g2'), t.make('g3'), t.make('g4')];
      const root = t.tmpdir();
      const net = JSON.parse(ok(cli(host, root, ['network', 'create', 'quiet', '--subnet', '10.83.0.0/24', '--icc=false', '--json'])).stdout) as NetworkJson;
      assert.equal(net.icc, false);
      ok(cli(host, root, ['network', 'connect', 'quiet', g1]));
      ok(cli(host, root, ['network', 'connect', 'quiet', g2]));
      assert.ok(ping(g1, '10.83.0.1'), 'the gateway answers an isolated member');
      assert.equal(ping(g1, '10.83.0.3'), false, 'members of an icc=false network cannot reach each other');
      const ports = JSON.parse(sh(['ip', 'netns', 'exec', host, 'ip', '-d', '-j', 'link', 'show', 'master', net.bridge])) as Array<{ linkinfo: { info_slave_data: { isolated: boolean } } }>;
      assert.deepEqual(ports.map((p) => p.linkinfo.info_slave_data.isolated), [true, true]);

      ok(cli(host, root, ['network', 'create', 'chatty', '--subnet', '10.84.0.0/24']));
      ok(cli(host, root, ['network', 'connect', 'chatty', g3]));
      ok(cli(host, root, ['network', 'connect', 'chatty', g4]));
      assert.ok(ping(g3, '10.84.0.3'), 'members of a default network reach each other');

      const bad = cli(host, root, ['network', 'create', 'x', '--icc', 'maybe']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--icc "maybe" must be true or false/);
      const init = cli(host, root, ['init', '--iptables=false', '--icc=false']);
      assert.equal(init.status, 2);
      assert.match(init.stderr, /--icc=false cannot be combined with --iptables=false/);
    });

    test('--ipv6: dual-stack networks get a ULA /64 (or --subnet6), guests both addresses and default routes', () => {
      const host = t.make('host');
      const [g1, g2] = [t.make('g1'), t.make('g2')];
      const root = t.tmpdir();
      const baseline = snapshot(host);
      const auto = JSON.parse(ok(cli(host, root, ['network', 'create', 'dual', '--subnet', '10.86.0.0/24', '--ipv6', '--json'])).stdout) as NetworkJson;
      assert.match(auto.subnet6 ?? '', /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/, 'a /64 of the root\'s unique local /48');
      assert.equal(auto.gateway6, auto.subnet6!.replace('::/64', '::1'));
      const next = JSON.parse(ok(cli(host, root, ['network', 'create', 'dual2', '--subnet', '10.87.0.0/24', '--ipv6', '--json'])).stdout) as NetworkJson;
      assert.equal(next.subnet6, auto.subnet6!.replace('::/64', ':1::/64'), 'the next /64 of the same /48');
      ok(cli(host, root, ['network', 'create', 'fixed', '--subnet', '10.88.0.0/24', '--ipv6', '--subnet6', 'fd10:88::/64']));
      const clash = cli(host, root, ['network', 'create', 'clash', '--subnet', '10.89.0.0/24', '--ipv6', '--subnet6', 'fd10:88::/48']);
      assert.equal(clash.status, 4);
      assert.match(clash.stderr, /fd10:88::\/64/);
      const v4as6 = cli(host, root, ['network', 'create', 'bad', '--ipv6', '--subnet6', '10.0.0.0/24']);
      assert.equal(v4as6.status, 2);
      assert.match(v4as6.stderr, /--subnet6 "10\.0\.0\.0\/24" is not an IPv6 subnet/);

      ok(cli(host, root, ['network', 'connect', 'fixed', g1]));
      ok(cli(host, root, ['network', 'connect', 'fixed', g2]));
      assert.deepEqual(ipv4(g1, 'eth1'), ['10.88.0.2']);
      assert.deepEqual(ipv4(g1, 'eth1', 'inet6'), ['fd10:88::2']);
      assert.deepEqual(ipv4(g2, 'eth1', 'inet6'), ['fd10:88::3']);
      assert.deepEqual(ipv4(host, `${JSON.parse(ok(cli(host, root, ['network', 'inspect', 'fixed', '--json'])).stdout)[0].bridge}`, 'inet6'), ['fd10:88::1']);
      const v6default = JSON.parse(sh(['ip', 'netns', 'exec', g1, 'ip', '-6', '-j', 'route', 'show', 'default'])) as Array<{ gateway: string }>;
      assert.deepEqual(v6default.map((r) => r.gateway), ['fd10:88::1']);
      assert.ok(ping(g1, 'fd10:88::3'), 'guests reach each other over IPv6 at once (nodad)');
      assert.ok(ping(g1, 'fd10:88::1'), 'the IPv6 gateway answers');
      ok(cli(host, root, ['network', 'disconnect', 'fixed', g1]));
      ok(cli(host, root, ['network', 'disconnect', 'fixed', g2]));
      ok(cli(host, root, ['network', 'rm', 'dual', 'dual2', 'fixed']));
      assert.equal(snapshot(host), baseline);
    });

    test('config.json default-address-pools replaces the pools for --subnet auto; a broken file changes nothing', () => {
      const host = t.make('host');
      const root = t.tmpdir();
      writeFileSync(join(root, 'config.json'), JSON.stringify({ 'default-address-pools': [{ base: '10.210.0.0/16', size: 24 }, { base: 'fd77:1::/48', size: 64 }] }));
      const a = JSON.parse(ok(cli(host, root, ['network', 'create', 'a', '--ipv6', '--json'])).stdout) as NetworkJson;
      const b = JSON.parse(ok(cli(host, root, ['network', 'create', 'b', '--json'])).stdout) as NetworkJson;
      assert.deepEqual([a.subnet, a.subnet6, b.subnet], ['10.210.0.0/24', 'fd77:1::/64', '10.210.1.0/24']);
      writeFileSync(join(root, 'config.json'), '{"default-address-pools": [{"base": "10.0.0.0/8"}]}');
      const before = snapshot(host);
      const broken = cli(host, root, ['network', 'create', 'c']);
      assert.equal(broken.status, 2);
      assert.match(broken.stderr, /config\.json default-address-pools/);
      assert.equal(snapshot(host), before);
      rmSync(join(root, 'config.json'));
      ok(cli(host, root, ['network', 'rm', 'a', 'b']));
    });

    test('gc puts back a deleted network bridge, its gateways and its members\' ports', () => {
      const host = t.make('host');
      const [g1, g2] = [t.make('g1'), t.make('g2')];
      const root = t.tmpdir();
      const net = JSON.parse(ok(cli(host, root, ['network', 'create', 'lab', '--subnet', '10.91.0.0/24', '--ipv6', '--subnet6', 'fd10:91::/64', '--icc=false', '--json'])).stdout) as NetworkJson;
      ok(cli(host, root, ['network', 'connect', 'lab', g1]));
      ok(cli(host, root, ['network', 'connect', 'lab', g2]));
      sh(['ip', 'netns', 'exec', host, 'ip', 'link', 'del', net.bridge]);
      assert.equal(ping(g1, '10.91.0.1'), false);
      const dry = ok(cli(host, root, ['gc', '--dry-run'])).stdout;
      assert.match(dry, new RegExp(`would repair lab: bridge ${net.bridge} recreated`));
      assert.equal(linksJson(host).some((l) => l.ifname === net.bridge), false, '--dry-run changes nothing');
      const out = ok(cli(host, root, ['gc'])).stdout;
      assert.match(out, /repaired lab: gateway 10\.91\.0\.1\/24 put back/);
      assert.match(out, /repaired lab: netns:\S+ eth1 plugged back into/);
      assert.ok(ping(g1, '10.91.0.1') && ping(g1, 'fd10:91::1'), 'the gateways answer again');
      assert.equal(ping(g1, '10.91.0.3'), false, 'the ports are isolated again (icc=false)');
      assert.doesNotMatch(ok(cli(host, root, ['gc'])).stdout, /repaired/, 'a second gc has nothing to do');
    });

    test('network create -b uses an existing bridge and its address, and leaves both on rm', () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      sh(['ip', 'netns', 'exec', host, 'ip', 'link', 'add', 'mybr', 'type', 'bridge']);
      sh(['ip', 'netns', 'exec', host, 'ip', 'addr', 'add', '10.85.3.1/24', 'dev', 'mybr']);
      sh(['ip', 'netns', 'exec', host, 'ip', 'link', 'set', 'mybr', 'up']);
      const both = cli(host, root, ['network', 'create', 'x', '-b', 'mybr', '--bridge', 'other']);
      assert.equal(both.status, 2);
      const net = JSON.parse(ok(cli(host, root, ['network', 'create', 'lan', '-b', 'mybr', '--json'])).stdout) as NetworkJson;
      assert.deepEqual([net.bridge, net.subnet, net.gateway], ['mybr', '10.85.3.0/24', '10.85.3.1']);
      ok(cli(host, root, ['network', 'connect', 'lan', g]));
      assert.deepEqual(ipv4(g, 'eth1'), ['10.85.3.2']);
      ok(cli(host, root, ['network', 'disconnect', 'lan', g]));
      ok(cli(host, root, ['network', 'rm', 'lan']));
      assert.deepEqual(ipv4(host, 'mybr'), ['10.85.3.1'], 'the bridge and its address are not tsnet\'s to remove');
      const gone = cli(host, root, ['network', 'create', 'lan', '-b', 'nobr']);
      assert.equal(gone.status, 3);
      assert.match(gone.stderr, /bridge nobr \(-b\) does not exist/);
    });
  });
}
