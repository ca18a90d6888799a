/**
 * Parallel callers (issue 9): 20 concurrent `network create --subnet auto` leave every
 * network's rules exactly once (as many as lone creates make, none doubled, none missing),
 * 10 concurrent publishes on one guest leave 10 DNAT mappings, 30 concurrent attach/detach
 * cycles across 3 networks leave state equal to the kernel and the firewall untouched; and
 * `attach --debug 2>&1 | head -1` (a closed pipe mid-command) completes and leaves nothing
 * half-made. Firewall cases on both backends.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { addrsJson, firewallSnapshot, linksJson, rootSkip, TestNetns } from '../helpers/netns';
import { ok, tsnetAsync, tsnetIn, TSNET_BIN, type CliResult } from '../helpers/tsnet';
import { picture, stateRows } from '../helpers/crash';
import { gcTargets } from '../helpers/gc-json';

/** firewallLines — tsnet's rules and table lines, one per entry (see firewallSnapshot). */
const firewallLines = (ns: string): string[] => firewallSnapshot(ns).split('\n').filter(Boolean);

/** doubled — `-A` lines that appear more than once. */
function doubled(lines: string[]): string[] {
  const seen = new Set<string>();
  return lines.filter((l) => l.startsWith('-A ') && (seen.has(l) || !seen.add(l)));
}

function all(results: CliResult[], what: string): void {
  results.forEach((r, i) => assert.equal(r.status, 0, `${what} ${i}: ${r.stderr}`));
}

describe('parallel callers', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  for (const firewall of ['iptables', 'nftables']) {
    const env = { TSNET_FIREWALL_BACKEND: firewall };

    test(`20 concurrent network creates: each network's rules once, like lone creates (${firewall})`, async () => {
      // The shape of one network's rules, from lone creates: base + per-network lines.
      const lone = t.make('lone');
      const loneRoot = t.tmpdir();
      ok(tsnetIn(lone, loneRoot, ['network', 'create', 'a', '--subnet', 'auto'], { env }));
      const one = firewallLines(lone).length;
      ok(tsnetIn(lone, loneRoot, ['network', 'create', 'b', '--subnet', 'auto'], { env }));
      const perNetwork = firewallLines(lone).length - one;
      assert.ok(perNetwork > 0);

      const host = t.make('host');
      const root = t.tmpdir();
      ok(tsnetIn(host, root, ['network', 'ls'], { env })); // the root exists before the race
      all(await Promise.all(Array.from({ length: 20 }, (_, i) => tsnetAsync(host, root, ['network', 'create', `n${i}`, '--subnet', 'auto'], { env }))), 'create');
      const lines = firewallLines(host);
      assert.deepEqual(doubled(lines), [], 'no rule twice');
      assert.equal(lines.length, one - perNetwork + 20 * perNetwork, 'every network has all its rules and nothing more');
      const nets = JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'], { env })).stdout) as Array<{ subnet: string; bridge: string }>;
      assert.equal(new Set(nets.map((n) => n.subnet)).size, 20, 'distinct subnets');
      const bridges = new Set(linksJson(host).filter((l) => l.linkinfo?.info_kind === 'bridge').map((l) => l.ifname));
      assert.ok(nets.every((n) => bridges.has(n.bridge)), 'every bridge made');
      const dry = ok(tsnetIn(host, root, ['gc', '--dry-run', '--json'], { env })).stdout;
      assert.deepEqual([gcTargets(dry, 'firewall'), gcTargets(dry, 'network')], [[], []], 'gc finds nothing to repair');
    });

    test(`10 concurrent publishes on one guest: 10 mappings in state and kernel (${firewall})`, async () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.71.0.0/24'], { env }));
      ok(tsnetIn(host, root, ['attach', 'lab', g], { env }));
      all(await Promise.all(Array.from({ length: 10 }, (_, i) => tsnetAsync(host, root, ['port', 'publish', g, '-p', `${9000 + i}:80`], { env }))), 'publish');
      assert.equal((JSON.parse(ok(tsnetIn(host, root, ['port', 'ls', '--json'], { env })).stdout) as unknown[]).length, 10);
      const lines = firewallLines(host);
      assert.deepEqual(doubled(lines), []);
      const mappings = lines.filter((l) => /dport 90\d\d -j DNAT|^tcp \. 90\d\d :/.test(l));
      assert.equal(mappings.length, 10, `one DNAT mapping per port:\n${mappings.join('\n')}`);
      ok(tsnetIn(host, root, ['port', 'unpublish', g], { env }));
      assert.equal(firewallLines(host).filter((l) => / 90\d\d/.test(l)).length, 0);
    });
  }

  test('30 concurrent attach/detach/attach cycles across 3 networks: state equals the kernel', async () => {
    const host = t.make('host');
    const root = t.tmpdir();
    for (let k = 0; k < 3; k++) ok(tsnetIn(host, root, ['network', 'create', `net${k}`, '--subnet', `10.7${k}.0.0/24`]));
    const firewall = firewallSnapshot(host);
    const guests = Array.from({ length: 30 }, (_, i) => t.make(`c${i}`));
    all(await Promise.all(guests.map(async (g, i) => {
      for (const args of [['attach', `net${i % 3}`, g], ['detach', g], ['attach', `net${i % 3}`, g]]) {
        const r = await tsnetAsync(host, root, args);
        if (r.status !== 0) return r;
      }
      return { status: 0, stdout: '', stderr: '' };
    })), 'cycle');
    const rows = stateRows(root);
    assert.equal(rows['attachments']!.length, 30);
    assert.deepEqual(rows['intents'], []);
    const addrs = (rows['addresses'] as Array<{ cidr: string }>).map((a) => a.cidr);
    assert.equal(new Set(addrs).size, 30, 'no address handed out twice');
    const links = linksJson(host);
    for (const a of rows['attachments'] as Array<{ guest: string; host_if: string; host_target: string }>) {
      assert.equal(links.find((l) => l.ifname === a.host_if)?.master, a.host_target, `${a.host_if} is a port of ${a.host_target}`);
    }
    for (const g of guests) {
      const eth1 = addrsJson(g, 'eth1')[0]?.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`);
      assert.equal(eth1?.length, 1, `${g} has one address on eth1`);
      assert.ok(addrs.includes(eth1![0]!), `${g}'s address is the recorded one`);
    }
    assert.equal(links.filter((l) => l.ifname.startsWith('tsn')).length, 30, 'no orphaned host ends');
    assert.equal(firewallSnapshot(host), firewall, 'attach and detach leave the networks\' rules alone');
  });

  test('attach --debug 2>&1 | head -1: the closed pipe neither aborts nor half-makes anything', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['ls']));
    const before = picture(host, [g], root);
    // The user's pipeline, as typed: head exits after one line and the rest goes to a closed pipe.
    const pipeline = (args: string): { status: number; firstLine: string } => {
      const r = spawnSync('bash', ['-c', `TSNET_TEST_HOOKS=1 ip netns exec ${host} ${TSNET_BIN} ${args} --root ${root} --debug 2>&1 | head -1; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
      return { status: r.status ?? -1, firstLine: r.stdout };
    };
    const attached = pipeline(`attach br0 ${g} 10.61.0.2/24`);
    assert.match(attached.firstLine, /^tsnet: debug: /);
    assert.equal(attached.status, 0, 'no abort (134) on the closed pipe');
    const ls = JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ addresses: string[] }>;
    assert.deepEqual(ls.map((a) => a.addresses), [['10.61.0.2/24']], 'attached in full');
    assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.operstate, 'UP');
    assert.equal(pipeline(`detach ${g}`).status, 0);
    assert.equal(picture(host, [g], root), before, 'detached in full: nothing left');
  });
});
