/**
 * Kernel tests of the firewall backend choice and of port-publish faults: the first use of
 * a state root stores the backend (iptables here, where iptables works), a different
 * --firewall-backend later is refused with nothing changed, `none` installs nothing at all,
 * and a failure at any publish step leaves no rule, map element, hairpin flag or row behind
 * (both backends); the users' hook (TSNET-USER, chain `user` in table inet tsnet) is consulted
 * first and outlives the networks while it holds the users' rules; route_localnet on a
 * bridge (for published ports on 127.0.0.1) does not let guests reach the host's loopback.
 */

/** The users' own rule, dropping a guest's traffic, written as a user would for each backend. */
/** The loopback guard of each backend, to take out and show it is what stops the guest. */
const FLUSH_GUARD: Record<string, string[]> = {
  iptables: ['iptables', '-F', 'TSNET-INPUT'],
  nftables: ['nft', 'flush', 'chain', 'inet', 'tsnet', 'input'],
};

/** readFrom — what a TCP server at ip:port sends, from inside ns, or undefined when it cannot connect. */
function readFrom(ns: string, ip: string, port: number): string | undefined {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `const s = require('net').connect(${port}, '${ip}'); s.on('data', (d) => process.stdout.write(d)); s.on('error', () => process.exit(1)); s.setTimeout(1500, () => process.exit(2))`],
  { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout : undefined;
}

const USER_DROP: Record<string, (ip: string) => string[]> = {
  iptables: (ip) => ['iptables', '-I', 'TSNET-USER', '-s', ip, '-j', 'DROP'],
  nftables: (ip) => ['nft', 'add', 'rule', 'inet', 'tsnet', 'user', 'ip', 'saddr', ip, 'drop'],
};
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { firewallSnapshot, linksJson, nftRuleset, ping, rootSkip, sh, TestNetns, wire } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { gcTargets } from '../helpers/gc-json';

describe('firewall backends', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('chosen once per state root: the default is stored, a different one later is refused', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    const before = [firewallSnapshot(host), nftRuleset(host)];
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.81.0.0/24']));
    assert.match(sh(['ip', 'netns', 'exec', host, 'iptables-save', '-t', 'filter']), /-A FORWARD -j TSNET-USER/, 'iptables works here, so it is the default');
    const installed = [firewallSnapshot(host), nftRuleset(host)];
    for (const args of [['network', 'create', 'lab2', '--subnet', '10.82.0.0/24'], ['network', 'ls']]) {
      const r = tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: 'nftables' } });
      assert.equal(r.status, 4, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /uses the iptables firewall backend \(chosen on first use\); --firewall-backend nftables would strand its rules/);
    }
    assert.deepEqual([firewallSnapshot(host), nftRuleset(host)], installed, 'refused before any change');
    assert.equal((JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json', '--firewall-backend', 'iptables'])).stdout) as unknown[]).length, 1);
    ok(tsnetIn(host, root, ['network', 'rm', 'lab']));
    assert.equal(firewallSnapshot(host), before[0]);
  });

  test('none installs nothing: networks, attachments and published ports live in state only', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const cli = (args: string[]) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: 'none' } });
    const before = [firewallSnapshot(host), nftRuleset(host)];
    assert.match(ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.83.0.0/24', '--dry-run'])).stdout, /iptables firewall rules/);
    // The dry run chose nothing: `none` is still open to this root.
    ok(cli(['network', 'create', 'lab', '--subnet', '10.83.0.0/24']));
    ok(cli(['attach', 'lab', g]));
    ok(cli(['port', 'publish', g, '-p', '8080:80']));
    assert.deepEqual([firewallSnapshot(host), nftRuleset(host)], before);
    assert.equal((JSON.parse(ok(cli(['port', 'ls', '--json'])).stdout) as unknown[]).length, 1);
    assert.deepEqual(gcTargets(ok(cli(['gc', '--json'])).stdout, 'firewall'), []);
    ok(cli(['detach', g]));
    ok(cli(['network', 'rm', 'lab']));
  });

  for (const fw of ['iptables', 'nftables']) {
    test(`a guest cannot reach the host's loopback services through its bridge (${fw})`, async () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const cli = (args: string[]) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: fw } });
      ok(cli(['network', 'create', 'lab', '--subnet', '10.86.0.0/24']));
      ok(cli(['attach', 'lab', g]));
      assert.equal(sh(['ip', 'netns', 'exec', host, 'cat', `/proc/sys/net/ipv4/conf/${linksJson(host).find((l) => l.ifname.startsWith('br-'))!.ifname}/route_localnet`]).trim(), '1');
      // A guest that sends 127.0.0.1 to its gateway: loopback routed out of eth1 first.
      sh(['ip', 'netns', 'exec', g, 'sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.eth1.route_localnet=1']);
      sh(['ip', '-n', g, 'rule', 'add', 'to', '127.0.0.1', 'lookup', '100', 'pref', '10']);
      sh(['ip', '-n', g, 'rule', 'del', 'pref', '0']);
      sh(['ip', '-n', g, 'rule', 'add', 'lookup', 'local', 'pref', '100']);
      sh(['ip', '-n', g, 'route', 'add', '127.0.0.1/32', 'via', '10.86.0.1', 'dev', 'eth1', 'src', '10.86.0.2', 'table', '100']);
      const serve = (ns: string, port: number, text: string) => spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
        `require('net').createServer((s) => s.end('${text}')).listen(${port}, () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const servers = [serve(host, 9191, 'secret'), serve(g, 80, 'guest')];
      try {
        await Promise.all(servers.map((p) => new Promise((resolve) => p.stdout.once('data', resolve))));
        ok(cli(['port', 'publish', g, '-p', '127.0.0.1:9292:80']));
        assert.equal(readFrom(host, '127.0.0.1', 9292), 'guest', 'a port published on 127.0.0.1 answers the host');
        assert.equal(readFrom(g, '127.0.0.1', 9292), undefined, 'but not 127.0.0.1 arriving through the bridge');
        assert.equal(readFrom(g, '127.0.0.1', 9191), undefined, 'the guard drops it');
        sh(['ip', 'netns', 'exec', host, ...FLUSH_GUARD[fw]!]);
        assert.equal(readFrom(g, '127.0.0.1', 9191), 'secret', 'without the guard the guest would get in');
      } finally {
        for (const p of servers) p.kill();
      }
      ok(cli(['detach', g]));
      ok(cli(['network', 'rm', 'lab']));
    });

    test(`the users' hook comes first and is kept with their rules after the last network (${fw})`, () => {
      const host = t.make('host');
      const out = t.make('out');
      const g = t.make('g');
      const root = t.tmpdir();
      const cli = (args: string[]) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: fw } });
      wire({ ns: host, ifname: 'uplink0', cidr: '10.250.0.1/24' }, { ns: out, ifname: 'eth0', cidr: '10.250.0.2/24' });
      ok(cli(['network', 'create', 'lab', '--subnet', '10.85.0.0/24']));
      ok(cli(['attach', 'lab', g]));
      assert.ok(ping(g, '10.250.0.2'), 'out, before the users\' rule');
      sh(['ip', 'netns', 'exec', host, ...USER_DROP[fw]!('10.85.0.2')]);
      assert.ok(!ping(g, '10.250.0.2'), 'the users\' drop wins over tsnet\'s accept');
      ok(cli(['detach', g]));
      ok(cli(['network', 'rm', 'lab']));
      const kept = fw === 'iptables' ? sh(['ip', 'netns', 'exec', host, 'iptables-save', '-t', 'filter']) : nftRuleset(host);
      assert.match(kept, /10\.85\.0\.2/, 'the users\' rule is still there');
      assert.doesNotMatch(kept, /TSNET-I-|in-[0-9a-f]{10}/, 'the network\'s own chains are gone');
    });

    test(`a failure at any port-publish step leaves nothing behind (${fw})`, () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const cli = (args: string[], env: Record<string, string> = {}) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: fw, ...env } });
      ok(cli(['network', 'create', 'lab', '--subnet', '10.84.0.0/24']));
      ok(cli(['attach', 'lab', g]));
      const hostIf = linksJson(host).find((l) => l.ifname.startsWith('tsn') && l.master !== undefined)!.ifname;
      const flag = () => sh(['ip', 'netns', 'exec', host, 'cat', `/sys/class/net/${hostIf}/brport/hairpin_mode`]).trim();
      const before = firewallSnapshot(host);
      // The host ports are chosen and checked before the first step (as a dry run does): no step of their own.
      for (const step of ['record', 'firewall', 'hairpin']) {
        const r = cli(['port', 'publish', g, '-p', '8080:80', '-p', '5353:53/udp'], { TSNET_FAULT: step });
        assert.equal(r.status, 9, `${step}: ${r.stderr}`);
        assert.equal(firewallSnapshot(host), before, `no rules or elements left after a fault at ${step}`);
        assert.equal(flag(), '0', `hairpin off again after a fault at ${step}`);
        assert.equal(ok(cli(['port', 'ls', '--json'])).stdout.trim(), '[]');
      }
      ok(cli(['port', 'publish', g, '-p', '8080:80']));
      assert.equal(flag(), '1');
      assert.notEqual(firewallSnapshot(host), before);
      ok(cli(['detach', g]));
      ok(cli(['network', 'rm', 'lab']));
    });
  }
});
