/**
 * Kernel tests of the IPv6 side of dual-stack networks, on both firewall backends: egress is
 * masqueraded (a server outside sees the host's IPv6 address), networks are isolated from
 * each other over IPv6 too, an --internal network cannot reach out over IPv6, and teardown
 * returns ip6tables-save / nft list ruleset to the baseline. All inside throwaway namespaces.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { addressSeenFrom, firewallSnapshot, nftRuleset, ping, rootSkip, sh, TestNetns, wire } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';

/** ip6Snapshot — ip6tables rules and user chains (built-in chains appear on first use and stay). */
function ip6Snapshot(ns: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ip6tables-save'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /.test(l))).join('\n');
}

for (const fw of ['iptables', 'nftables'] as const) {
  describe(`dual-stack networks over IPv6 (${fw})`, { skip: rootSkip }, () => {
    const t = new TestNetns();
    const cli = (host: string, root: string, args: string[]) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: fw } });
    after(() => t.cleanup());

    test('IPv6 egress is masqueraded, networks are isolated, internal networks stay inside; teardown restores the baseline', async () => {
      const host = t.make('host');
      const out = t.make('out');
      const [g1, g2, g3] = [t.make('g1'), t.make('g2'), t.make('g3')];
      const root = t.tmpdir();
      wire({ ns: host, ifname: 'uplink0', cidr: '10.250.0.1/24' }, { ns: out, ifname: 'eth0', cidr: '10.250.0.2/24' });
      sh(['ip', '-n', host, 'addr', 'add', 'fd00:250::1/64', 'dev', 'uplink0', 'nodad']);
      sh(['ip', '-n', out, 'addr', 'add', 'fd00:250::2/64', 'dev', 'eth0', 'nodad']);
      // iptables-nft leaves its empty built-in tables behind, so nft's view is compared for nftables only.
      const snap = (): string[] => [firewallSnapshot(host), ip6Snapshot(host), fw === 'nftables' ? nftRuleset(host) : ''];
      const baseline = snap();
      ok(cli(host, root, ['network', 'create', 'lab', '--subnet', '10.71.0.0/24', '--ipv6', '--subnet6', 'fd10:71::/64']));
      ok(cli(host, root, ['network', 'create', 'lab2', '--subnet', '10.72.0.0/24', '--ipv6', '--subnet6', 'fd10:72::/64']));
      ok(cli(host, root, ['network', 'create', 'iso', '--subnet', '10.73.0.0/24', '--ipv6', '--subnet6', 'fd10:73::/64', '--internal']));
      ok(cli(host, root, ['network', 'connect', 'lab', g1]));
      ok(cli(host, root, ['network', 'connect', 'lab2', g2]));
      ok(cli(host, root, ['network', 'connect', 'iso', g3]));
      assert.equal(await addressSeenFrom(out, 'fd00:250::2', g1), 'fd00:250::1', 'the server sees the host\'s IPv6 address: egress is masqueraded');
      assert.ok(ping(g1, 'fd00:250::2'), 'lab reaches out over IPv6');
      assert.ok(!ping(g1, 'fd10:72::2'), 'lab cannot reach lab2 over IPv6');
      assert.ok(!ping(g2, 'fd10:71::2'), 'lab2 cannot reach lab over IPv6');
      assert.ok(!ping(g3, 'fd00:250::2'), 'an internal network cannot reach out over IPv6');
      assert.ok(ping(g1, '10.250.0.2'), 'and IPv4 still works beside it');
      // ls names both default gateways: the network's, and one given in an IPSPEC (IPv6 only).
      const g4 = t.make('g4');
      ok(cli(host, root, ['attach', 'lab', g4, 'fd10:71::44/64@fd10:71::1']));
      const shown = (JSON.parse(ok(cli(host, root, ['--json', 'ls'])).stdout) as Array<{ guest: string; gateway: string | null; gateway6: string | null }>)
        .map((a) => [a.guest, a.gateway, a.gateway6]);
      assert.deepEqual(shown.filter(([g]) => g === `netns:${g1}` || g === `netns:${g4}`).sort(),
        [[`netns:${g1}`, '10.71.0.1', 'fd10:71::1'], [`netns:${g4}`, null, 'fd10:71::1']].sort());
      assert.match(ok(cli(host, root, ['ls'])).stdout, /10\.71\.0\.1,fd10:71::1/);
      ok(cli(host, root, ['detach', g4]));
      for (const g of [g1, g2, g3]) ok(cli(host, root, ['detach', g]));
      ok(cli(host, root, ['network', 'rm', 'lab', 'lab2', 'iso']));
      assert.deepEqual(snap(), baseline, 'iptables-save, ip6tables-save and nft list ruleset back to the baseline');
    });
  });
}
