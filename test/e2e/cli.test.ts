/**
 * End-to-end: the CLI as a user meets it — help with real examples, version, usage errors,
 * --json errors, --dry-run changing nothing, and the README's demos.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsJson, linksJson, rootSkip, snapshot, TestNetns } from '../helpers/netns';
import { TSNET_BIN, ok, tsnetIn } from '../helpers/tsnet';

function tsnet(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(TSNET_BIN, args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli', () => {
  test('--help lists the commands and real examples', () => {
    const r = tsnet(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['attach', 'detach', 'route', 'rule', 'tc', 'ls', 'inspect', 'gc', 'network']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
    assert.match(r.stdout, /tsnet attach br0 web 192\.168\.115\.10\/24@192\.168\.115\.2/);
  });

  test('each command has help with an example', () => {
    for (const cmd of ['attach', 'detach', 'route', 'rule', 'tc', 'ls', 'inspect', 'gc', 'network create', 'network ls', 'network inspect', 'network rm']) {
      const r = tsnet([...cmd.split(' '), '--help']);
      assert.equal(r.status, 0, cmd);
      assert.match(r.stdout, /Examples?:\n\s+tsnet /, `${cmd} --help shows an example`);
    }
  });

  test('--version', () => {
    assert.match(tsnet(['--version']).stdout, /^\d+\.\d+\.\d+/);
  });

  test('usage errors exit 2', () => {
    assert.equal(tsnet(['frobnicate']).status, 2);
    assert.equal(tsnet(['attach', '--no-such-flag']).status, 2);
  });

  test('--json errors are {"error","code"} with the class exit status', () => {
    const r = tsnet(['attach', 'br0', 'web', '10.0.0.1/99', '--json']);
    assert.equal(r.status, 2);
    const body = JSON.parse(r.stdout) as { error: string; code: string };
    assert.equal(body.code, 'EINVAL');
    assert.match(body.error, /10\.0\.0\.1\/99/);
  });
});

describe('cli against the kernel', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('--dry-run prints the plan and changes nothing', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const before = [snapshot(host), snapshot(g)];
    const r = ok(tsnetIn(host, root, ['attach', '--dry-run', 'br0', g, '10.0.0.2/24@10.0.0.1']));
    assert.match(r.stdout, /create-bridge: create bridge br0/);
    assert.match(r.stdout, /create-veth: create veth tsn[0-9a-f]{12} <-> eth1/);
    assert.match(r.stdout, /default-route: replace the default route with via 10\.0\.0\.1 dev eth1/);
    assert.deepEqual([snapshot(host), snapshot(g)], before);
    assert.equal(ok(tsnetIn(host, root, ['ls', '--json'])).stdout.trim(), '[]');
    ok(tsnetIn(host, root, ['attach', 'br0', g, '10.0.0.2/24']));
    const attached = [snapshot(host), snapshot(g)];
    assert.match(ok(tsnetIn(host, root, ['detach', '--dry-run', g])).stdout, /would detach netns:\S+ eth1 \(veth on br0\)/);
    assert.match(ok(tsnetIn(host, root, ['route', '--dry-run', g, 'add', '10.9.0.0/16', 'via', '10.0.0.1'])).stdout, /would run in netns:\S+: ip route add 10\.9\.0\.0\/16 via 10\.0\.0\.1/);
    assert.deepEqual([snapshot(host), snapshot(g)], attached, 'dry runs of detach and route change nothing');
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('works when started with nsenter --net= (no /sys/class/net view of its own)', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const viaNsenter = (args: string[]) => spawnSync('nsenter', [`--net=/run/netns/${host}`, '--', TSNET_BIN, ...args, '--root', root], { encoding: 'utf8' });
    const r = viaNsenter(['attach', 'br0', g, '10.0.1.2/24']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(linksJson(host).some((l) => l.ifname === 'br0'), 'the bridge is in the nsenter netns');
    assert.deepEqual(addrsJson(g, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.0.1.2']);
    assert.equal(viaNsenter(['detach', g]).status, 0);
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo']);
  });

  /** runDemo — runs an example script with its namespaces named tsnet-t-*, and checks none is left. */
  function runDemo(...path: string[]): string {
    const demo = join(__dirname, '..', '..', '..', 'examples', ...path);
    const prefix = `tsnet-t-demo${process.pid}`;
    const r = spawnSync('bash', [demo], { encoding: 'utf8', env: { ...process.env, TSNET_DEMO_PREFIX: prefix } });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /demo ok/);
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(prefix));
    return r.stdout;
  }

  test('the README main job (the two-host lab demo) runs, shows reachability and its picture, and cleans up on request', () => {
    const demo = join(__dirname, '..', '..', '..', 'examples', 'multi-host', 'demo.sh');
    const prefix = `tsnet-t-demo${process.pid}-`;
    const root = t.tmpdir();
    const env = { ...process.env, TSNET_ROOT: root, TSNET_LAB_PREFIX: prefix, TSNET_DEMO_SVG: join(root, 'two-hosts.svg') };
    const up = spawnSync('bash', [demo], { encoding: 'utf8', env, cwd: root });
    try {
      assert.equal(up.status, 0, up.stderr + up.stdout);
      assert.match(up.stdout, /lab two-hosts is up/);
      assert.match(up.stdout, /web +\. +ok\ndb +ok +\./, 'both containers reach each other across the hosts');
      assert.match(up.stdout, /all 2 pairs that should reach do/);
      assert.match(up.stdout, /web +hostA +container +eth1 192\.168\.115\.10\/24 +up/);
      assert.match(up.stdout, /from the one on hostB \(its \/etc\/hostname\)\u001b\[0m\ndb\n/, 'web fetched db\'s page across the hosts');
      assert.match(up.stdout, new RegExp(`graph: ${join(root, 'two-hosts.svg')}`));
      assert.match(readFileSync(join(root, 'two-hosts.svg'), 'utf8'), /<svg[\s\S]*192\.168\.115\.10\/24[\s\S]*192\.168\.115\.11\/24/);
      assert.match(up.stdout, /demo ok/);
      assert.match(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(`${prefix}two-hosts-web`), 'the lab stays up until asked');
      const again = spawnSync('bash', [demo], { encoding: 'utf8', env, cwd: root });
      assert.equal(again.status, 0, again.stderr + again.stdout);
      assert.match(again.stdout, /busybox is already there/);
      assert.match(again.stdout, /lab two-hosts was already up/);
    } finally {
      const down = spawnSync('bash', [demo, 'down'], { encoding: 'utf8', env, cwd: root });
      assert.equal(down.status, 0, down.stderr + down.stdout);
      assert.match(down.stdout, /lab two-hosts is down \(4 namespaces removed\)/);
    }
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(prefix));
  });

  test('the attach demo runs and cleans up', () => {
    assert.match(runDemo('attach-demo.sh'), /2 packets transmitted, 2 packets received/);
  });
});
