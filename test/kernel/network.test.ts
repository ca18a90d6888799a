/**
 * Kernel tests of bridge networks: --subnet auto steps around what the host uses (the
 * issue's case: a route to 172.17.0.0/16 → 172.18.0.0/16), explicit subnets that overlap
 * are refused naming the route, attach without IPSPEC takes the next free address (also
 * under 10 concurrent attaches), the gateway on the bridge answers, rm is refused while in
 * use and then returns the host netns to its baseline; a failure at any step leaves nothing.
 * The firewall backend alternates with the link backend (netlink+iptables, iproute2+nftables)
 * so that both firewalls get every test without doubling the suite.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressSeenFrom, addrsJson, firewallSnapshot, linksJson, nftRuleset, wire, ping, rootSkip, routesJson, sh, snapshot, TestNetns } from '../helpers/netns';
import { ok, tsnetAsync, tsnetIn } from '../helpers/tsnet';

interface NetworkJson { name: string; bridge: string; subnet: string; gateway: string; ipRange: string | null }

for (const [backend, fw] of [['netlink', 'iptables'], ['iproute2', 'nftables']] as const) {
  describe(`networks (${backend}, ${fw})`, { skip: rootSkip }, () => {
    const t = new TestNetns();
    const cli = (host: string, root: string, args: string[], env?: Record<string, string>) =>
      tsnetIn(host, root, args, { backend, env: { TSNET_FIREWALL_BACKEND: fw, ...env } });
    after(() => t.cleanup());

    /** hostWith172_17 — a host netns whose uplink holds 172.17.0.5/16 (so a route to 172.17.0.0/16). */
    function hostWith172_17(): string {
      const host = t.make('host');
      const outside = t.make('wire');
      wire({ ns: host, ifname: 'uplink0', cidr: '172.17.0.5/16' }, { ns: outside, ifname: 'up0' });
      return host;
    }

    test('--subnet auto skips the host route; attach takes addresses; rm restores the baseline', () => {
      const host = hostWith172_17();
      const g1 = t.make('g1');
      const g2 = t.make('g2');
      const root = t.tmpdir();
      const baseline = snapshot(host);
      const net = JSON.parse(ok(cli(host, root, ['network', 'create', 'lab', '--json'])).stdout) as NetworkJson;
      assert.equal(net.subnet, '172.18.0.0/16');
      assert.equal(net.gateway, '172.18.0.1');
      const br = addrsJson(host, net.bridge)[0]!;
      assert.deepEqual(br.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['172.18.0.1/16']);
      const second = JSON.parse(ok(cli(host, root, ['network', 'create', 'lab2', '--json'])).stdout) as NetworkJson;
      assert.equal(second.subnet, '172.19.0.0/16', 'the next network skips the first');
      ok(cli(host, root, ['attach', 'lab', g1]));
      ok(cli(host, root, ['attach', 'lab', g2]));
      assert.match(ok(cli(host, root, ['attach', 'lab', g2])).stdout, /nothing to do/);
      assert.deepEqual(addrsJson(g1, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['172.18.0.2']);
      assert.deepEqual(addrsJson(g2, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['172.18.0.3']);
      assert.equal(routesJson(g1).find((r) => r.dst === 'default')?.gateway, '172.18.0.1');
      assert.ok(ping(g1, '172.18.0.3'), 'guests on one network reach each other');
      assert.ok(ping(g1, '172.18.0.1'), 'the gateway on the bridge answers');
      const inUse = cli(host, root, ['network', 'rm', 'lab']);
      assert.equal(inUse.status, 4);
      assert.match(inUse.stderr, /in use by netns:/);
      ok(cli(host, root, ['detach', g1]));
      ok(cli(host, root, ['attach', 'lab', g1, '172.18.0.77/16']));
      const outside = cli(host, root, ['attach', '-i', 'eth2', 'lab', g1, '10.0.0.2/24']);
      assert.equal(outside.status, 2);
      assert.match(outside.stderr, /not in network lab \(172\.18\.0\.0\/16\)/);
      ok(cli(host, root, ['detach', g1]));
      ok(cli(host, root, ['detach', g2]));
      ok(cli(host, root, ['network', 'rm', 'lab', 'lab2']));
      assert.equal(snapshot(host), baseline);
      assert.equal(ok(cli(host, root, ['network', 'ls', '--json'])).stdout.trim(), '[]');
    });

    test('an explicit subnet overlapping a host route or a network is refused, naming it', () => {
      const host = hostWith172_17();
      const root = t.tmpdir();
      const before = snapshot(host);
      const r = cli(host, root, ['network', 'create', 'vpn', '--subnet', '172.17.128.0/24']);
      assert.equal(r.status, 4, r.stderr);
      assert.match(r.stderr, /172\.17\.0\.0\/16/);
      assert.match(r.stderr, /uplink0/);
      assert.equal(snapshot(host), before);
      ok(cli(host, root, ['network', 'create', 'a', '--subnet', '10.66.0.0/24', '--ip-range', '10.66.0.128/25']));
      const clash = cli(host, root, ['network', 'create', 'b', '--subnet', '10.66.0.0/16']);
      assert.equal(clash.status, 4);
      assert.match(clash.stderr, /10\.66\.0\.0\/24/);
      const dup = cli(host, root, ['network', 'create', 'a', '--subnet', '10.67.0.0/24']);
      assert.equal(dup.status, 4);
      assert.match(dup.stderr, /already exists/);
      ok(cli(host, root, ['network', 'rm', 'a']));
    });

    test('--ip-range and 10 concurrent attaches get distinct addresses from it', async () => {
      const host = t.make('host');
      const root = t.tmpdir();
      ok(cli(host, root, ['network', 'create', 'pool', '--subnet', '10.68.0.0/24', '--ip-range', '10.68.0.64/26']));
      const guests = Array.from({ length: 10 }, (_, i) => t.make(`p${i}`));
      const results = await Promise.all(guests.map((g) => tsnetAsync(host, root, ['attach', 'pool', g], { backend })));
      results.forEach((r, i) => assert.equal(r.status, 0, `attach ${i}: ${r.stderr}`));
      const ips = guests.map((g) => addrsJson(g, 'eth1')[0]!.addr_info.find((a) => a.family === 'inet')!.local).sort();
      assert.equal(new Set(ips).size, 10);
      const expected = Array.from({ length: 10 }, (_, i) => `10.68.0.${64 + i}`).sort();
      assert.deepEqual(ips, expected, 'the lowest addresses of the range, each once');
    });

    test('firewall: egress is masqueraded, networks are isolated, internal networks stay inside', async () => {
      const host = t.make('host');
      const out = t.make('out');
      const [g1, g2, g3, g4] = [t.make('g1'), t.make('g2'), t.make('g3'), t.make('g4')];
      const root = t.tmpdir();
      wire({ ns: host, ifname: 'uplink0', cidr: '10.250.0.1/24' }, { ns: out, ifname: 'eth0', cidr: '10.250.0.2/24' });
      const baseline = [firewallSnapshot(host), nftRuleset(host)];
      ok(cli(host, root, ['network', 'create', 'lab', '--subnet', '10.71.0.0/24']));
      ok(cli(host, root, ['network', 'create', 'lab2', '--subnet', '10.72.0.0/24']));
      ok(cli(host, root, ['network', 'create', 'iso', '--subnet', '10.73.0.0/24', '--internal']));
      ok(cli(host, root, ['attach', 'lab', g1]));
      ok(cli(host, root, ['attach', 'lab2', g2]));
      ok(cli(host, root, ['attach', 'iso', g3]));
      ok(cli(host, root, ['attach', 'iso', g4]));
      assert.equal(await addressSeenFrom(out, '10.250.0.2', g1), '10.250.0.1', 'the server sees the host address: egress is masqueraded');
      assert.ok(ping(g1, '10.250.0.2'), 'lab reaches out');
      assert.ok(!ping(g1, '10.72.0.2'), 'lab cannot reach lab2');
      assert.ok(!ping(g2, '10.71.0.2'), 'lab2 cannot reach lab');
      assert.ok(!ping(g3, '10.250.0.2'), 'an internal network cannot reach out');
      assert.ok(ping(g3, '10.73.0.3'), 'members of an internal network reach each other');
      if (fw === 'iptables') assert.match(sh(['ip', 'netns', 'exec', host, 'iptables-save', '-t', 'filter']), /-A FORWARD -j TSNET-USER\n-A FORWARD -j TSNET-FORWARD/);
      else assert.match(sh(['ip', 'netns', 'exec', host, 'nft', 'list', 'chain', 'inet', 'tsnet', 'forward']), /policy accept;\n\s+jump user\n/);
      for (const g of [g1, g2, g3, g4]) ok(cli(host, root, ['detach', g]));
      ok(cli(host, root, ['network', 'rm', 'lab', 'lab2', 'iso']));
      assert.equal(firewallSnapshot(host), baseline[0], 'iptables-save back to the baseline');
      if (fw === 'nftables') assert.equal(nftRuleset(host), baseline[1], 'nft list ruleset back to the baseline');
    });

    test('tsnet init makes tsnet0 like docker0; attach tsnet0 makes it on first use; -b reuses a bridge', () => {
      const host = hostWith172_17();
      const g = t.make('g');
      const root = t.tmpdir();
      const before = [snapshot(host), firewallSnapshot(host)];
      for (const [args, code, says] of [
        [['init', '-b', 'br9', '--bip', '10.1.0.1/24'], 2, '-b and --bip cannot be used together'],
        [['init', '--iptables', 'false', '--icc', 'false'], 2, 'cannot be combined with --iptables=false'],
        [['init', '--bip', '10.1.0.0/24'], 2, 'network address'],
        [['init', '--fixed-cidr', '10.1.0.0/25'], 2, '--fixed-cidr needs the subnet'],
        [['init', '-b', 'nosuchbr'], 3, 'nosuchbr'],
      ] as Array<[string[], number, string]>) {
        const r = cli(host, root, args);
        assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stderr.includes(says), r.stderr);
      }
      assert.deepEqual([snapshot(host), firewallSnapshot(host)], before, 'refused before any change');
      ok(cli(host, root, ['attach', 'tsnet0', g]));
      const n = (JSON.parse(ok(cli(host, root, ['network', 'ls', '--json'])).stdout) as NetworkJson[])[0]!;
      assert.deepEqual([n.name, n.bridge, n.subnet, n.gateway], ['tsnet0', 'tsnet0', '172.18.0.0/16', '172.18.0.1']);
      assert.match(ok(cli(host, root, ['init'])).stdout, /already there/);
      ok(cli(host, root, ['detach', g]));
      ok(cli(host, root, ['network', 'rm', 'tsnet0']));
      ok(cli(host, root, ['init', '--bip', '10.55.0.1/24', '--fixed-cidr', '10.55.0.128/25', '--iptables', 'false']));
      ok(cli(host, root, ['attach', 'tsnet0', g]));
      assert.deepEqual(addrsJson(g, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.55.0.128']);
      assert.equal(firewallSnapshot(host), before[1], '--iptables false installs no rules');
      ok(cli(host, root, ['detach', g]));
      ok(cli(host, root, ['network', 'rm', 'tsnet0']));
      // -b: an existing bridge with its own address; rm leaves both to their owner.
      sh(['ip', '-n', host, 'link', 'add', 'mybr', 'type', 'bridge']);
      sh(['ip', '-n', host, 'addr', 'add', '10.56.0.1/24', 'dev', 'mybr']);
      sh(['ip', '-n', host, 'link', 'set', 'mybr', 'up']);
      const withB = JSON.parse(ok(cli(host, root, ['init', '-b', 'mybr', '--json'])).stdout) as { network: NetworkJson };
      assert.deepEqual([withB.network.bridge, withB.network.subnet, withB.network.gateway], ['mybr', '10.56.0.0/24', '10.56.0.1']);
      ok(cli(host, root, ['attach', 'tsnet0', g]));
      assert.ok(ping(g, '10.56.0.1'));
      ok(cli(host, root, ['detach', g]));
      ok(cli(host, root, ['network', 'rm', 'tsnet0']));
      assert.deepEqual(addrsJson(host, 'mybr')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.56.0.1']);
    });

    test('a failure at any network create step leaves nothing behind', () => {
      const host = t.make('host');
      const root = t.tmpdir();
      const before = snapshot(host);
      const firewall = firewallSnapshot(host);
      for (const step of ['record', 'create-bridge', 'gateway-address', 'ip-forward', 'firewall', 'route-localnet']) {
        const r = cli(host, root, ['network', 'create', 'lab'], { TSNET_FAULT: step });
        assert.equal(r.status, 9, r.stderr);
        assert.equal(snapshot(host), before, `fault at ${step}`);
        assert.equal(firewallSnapshot(host), firewall, `no rules left after a fault at ${step}`);
        assert.equal(ok(cli(host, root, ['network', 'ls', '--json'])).stdout.trim(), '[]');
      }
      assert.ok(linksJson(host).every((l) => !l.ifname.startsWith('br-')));
    });
  });
}
