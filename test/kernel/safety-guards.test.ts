/**
 * The smaller promises of issue 9, each against the real kernel: "already attached" only
 * when the kernel agrees (else it is repaired, and said so); SIGTERM mid-attach rolls back
 * like a failure; path guests are opened without blocking or following symlinks and must be
 * namespace files, and a recorded path that stopped being one counts as gone for detach and
 * gc; interface names iptables would read as a wildcard or an option are refused; a kill
 * during a DHCP attach is undone too (the lease released with the interface).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsJson, firewallSnapshot, linksJson, rootSkip, routesJson, sh, TestNetns } from '../helpers/netns';
import { ok, tsnetIn, TSNET_BIN } from '../helpers/tsnet';
import { picture, runKilledAt } from '../helpers/crash';
import { stopKeeper } from '../helpers/keeper';
import { gcJson, gcTargets } from '../helpers/gc-json';

describe('safety guards', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  const mounts: string[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    for (const m of mounts) spawnSync('umount', ['-l', m]); // left mounted only by a failed test
    t.cleanup();
  });

  test('"already attached" only when the kernel agrees; drift is repaired and reported', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.62.0.0/24']));
    ok(tsnetIn(host, root, ['attach', 'lab', g]));
    const done = picture(host, [g], root);
    assert.match(ok(tsnetIn(host, root, ['attach', 'lab', g])).stdout, /already attached .*; nothing to do/);
    const hostIf = linksJson(host).find((l) => l.ifname.startsWith('tsn'))!.ifname;
    sh(['ip', '-n', g, 'addr', 'flush', 'dev', 'eth1']);
    sh(['ip', '-n', g, 'link', 'set', 'eth1', 'down']);
    sh(['ip', '-n', host, 'link', 'set', hostIf, 'nomaster']);
    const again = ok(tsnetIn(host, root, ['attach', 'lab', g]));
    assert.match(again.stdout, /the kernel differed; repaired: .*plugged into .*address 10\.62\.0\.2\/24 put back.*eth1 brought up.*default route via 10\.62\.0\.1 put back/);
    assert.equal(picture(host, [g], root), done);
  });

  test('SIGTERM in the middle of an attach rolls it back and exits 143', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['ls']));
    const before = picture(host, [g], root);
    const r = tsnetIn(host, root, ['attach', 'br0', g, '10.63.0.2/24'], { env: { TSNET_SIGNAL_AT: 'attach:add-address=SIGTERM' } });
    assert.equal(r.status, 143, r.stderr);
    assert.match(r.stderr, /interrupted by SIGTERM; what was done so far was rolled back/);
    assert.equal(picture(host, [g], root), before, 'nothing left');
  });

  test('path guests: a FIFO does not block, a symlink is not followed, a non-namespace is refused in one line', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    const dir = t.tmpdir();
    const fifo = join(dir, 'fifo');
    sh(['mkfifo', fifo]);
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    const link = join(dir, 'link');
    symlinkSync(`/run/netns/${t.make('g')}`, link);
    const cases: Array<[string, RegExp]> = [
      [fifo, /is not a network namespace file/], [plain, /is not a network namespace file/], [link, /is a symbolic link/],
    ];
    for (const [path, why] of cases) {
      const r = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, 'attach', '--root', root, 'br0', path, '10.64.0.2/24'], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.error, undefined, `${path}: returns (does not block)`);
      assert.notEqual(r.status, 0);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, why);
    }
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo'], 'refused before any change');
  });

  test('a recorded path that stopped being a namespace counts as gone for detach and gc', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    const dir = t.tmpdir();
    const gcTarget = join(dir, 'ns-gc');
    const detachTarget = join(dir, 'ns-detach');
    for (const [i, p] of [gcTarget, detachTarget].entries()) {
      writeFileSync(p, '');
      sh(['mount', '--bind', `/run/netns/${t.make(`p${i}`)}`, p]);
      mounts.push(p);
      ok(tsnetIn(host, root, ['attach', '-i', `eth${i + 1}`, 'br0', p, `10.65.0.${i + 2}/24`]));
    }
    // A FIFO where gc's namespace was; later, the plain file under detach's.
    sh(['umount', gcTarget]);
    sh(['rm', gcTarget]);
    sh(['mkfifo', gcTarget]);
    const r = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, 'gc', '--root', root, '--json'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(gcJson(r.stdout).actions.filter((a) => a.kind === 'record').map((a) => [a.target, a.detail]), [[`path:${gcTarget} eth1`, 'guest netns is gone']]);
    sh(['umount', detachTarget]);
    const d = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, 'detach', '--root', root, detachTarget], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /detached path:.*ns-detach eth2/);
    assert.deepEqual(JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout), []);
    assert.ok(!linksJson(host).some((l) => l.ifname.startsWith('tsn')), 'their host ends are gone');
  });

  test("interface names with '+' or a leading '-' are refused before any change", () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    for (const args of [['attach', '-i', 'eth+', 'br0', g, '10.66.0.2/24'], ['attach', '-l', 'vv+', 'br0', g, '10.66.0.2/24'], ['network', 'create', 'lab', '--bridge', '-ojunk']]) {
      const r = tsnetIn(host, root, args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /not a valid interface name for tsnet/);
    }
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo']);
  });

  for (const firewall of ['iptables', 'nftables']) {
    test(`gc puts the firewall back exactly: a lost, a doubled and a stray mapping, doubled jumps, route_localnet (${firewall})`, () => {
      const host = t.make('host');
      const g = t.make('g');
      const root = t.tmpdir();
      const env = { TSNET_FIREWALL_BACKEND: firewall };
      ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.68.0.0/24'], { env }));
      ok(tsnetIn(host, root, ['attach', 'lab', g], { env }));
      ok(tsnetIn(host, root, ['port', 'publish', g, '-p', '8081:80', '-p', '8082:80'], { env }));
      const good = firewallSnapshot(host);
      const inHost = (argv: string[]): string => sh(['ip', 'netns', 'exec', host, ...argv]);
      if (firewall === 'iptables') {
        const chain = inHost(['iptables-save', '-t', 'nat']).split('\n').find((l) => l.startsWith(':TSNET-D-'))!.slice(1).split(' ')[0]!;
        inHost(['iptables', '-t', 'nat', '-D', chain, '-p', 'tcp', '-m', 'tcp', '--dport', '8081', '-j', 'DNAT', '--to-destination', '10.68.0.2:80']);
        inHost(['iptables', '-t', 'nat', '-A', chain, '-p', 'tcp', '-m', 'tcp', '--dport', '8082', '-j', 'DNAT', '--to-destination', '10.68.0.2:80']);
        inHost(['iptables', '-t', 'nat', '-A', chain, '-p', 'tcp', '-m', 'tcp', '--dport', '8089', '-j', 'DNAT', '--to-destination', '10.68.0.2:80']);
        for (let i = 0; i < 3; i++) inHost(['iptables', '-A', 'FORWARD', '-j', 'TSNET-USER']);
      } else {
        inHost(['nft', 'delete', 'element', 'inet', 'tsnet', 'ports-any', '{ tcp . 8081 }']);
        inHost(['nft', 'add', 'element', 'inet', 'tsnet', 'ports-any', '{ tcp . 8089 : 10.68.0.2 . 80 }']);
      }
      const bridge = linksJson(host).find((l) => l.ifname.startsWith('br-'))!.ifname;
      const localnet = `net/ipv4/conf/${bridge}/route_localnet`;
      inHost(['sysctl', '-qw', `${localnet}=0`]);
      assert.notEqual(firewallSnapshot(host), good);
      const dry = ok(tsnetIn(host, root, ['gc', '--dry-run', '--json'], { env })).stdout;
      assert.ok(gcTargets(dry, 'port').length > 0, 'the dry run says what it would fix');
      assert.notEqual(firewallSnapshot(host), good, 'and changes nothing');
      const report = ok(tsnetIn(host, root, ['gc'], { env })).stdout;
      assert.match(report, /fixed published ports/);
      assert.match(report, /route_localnet turned back on/);
      assert.equal(inHost(['sysctl', '-n', localnet]).trim(), '1');
      assert.equal(firewallSnapshot(host), good, `gc made it exact:\n${report}`);
      assert.equal(ok(tsnetIn(host, root, ['gc'], { env })).stdout.trim(), 'nothing to clean up');
    });
  }

  test('kill -9 during a DHCP attach: gc undoes it, the retry gets a lease', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    roots.push(root);
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.67.0.0/24', '--dhcp-server']));
    // One attach first: the bridge's link-local address comes with its first port, and stays.
    ok(tsnetIn(host, root, ['attach', 'lab', g, 'dhcp:timeout=10']));
    ok(tsnetIn(host, root, ['detach', g]));
    const before = picture(host, [g], root);
    for (const step of ['attach:dhcp-lease', 'attach:dhcp-keeper', 'attach:done']) {
      assert.equal(runKilledAt(host, root, ['attach', 'lab', g, 'dhcp:timeout=10'], step).signal, 'SIGKILL');
      assert.match(ok(tsnetIn(host, root, ['gc'])).stdout, /undid the interrupted attach/);
      assert.equal(picture(host, [g], root), before, `nothing left after a kill at ${step}`);
    }
    ok(tsnetIn(host, root, ['attach', 'lab', g, 'dhcp:timeout=10']));
    assert.match(addrsJson(g, 'eth1')[0]!.addr_info.find((a) => a.family === 'inet')!.local, /^10\.67\.0\./);
    assert.ok(routesJson(g).some((r) => r.dst === 'default'));
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'lab']));
  });
});

