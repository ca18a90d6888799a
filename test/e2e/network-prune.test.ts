/**
 * End-to-end: `tsnet network prune` as a docker user runs it — removes the networks nothing
 * uses, keeps tsnet0, the ones with a guest attached and the ones a container lists, prints
 * docker's "Deleted Networks:" list, asks first without -f, a dry run changes nothing, and a
 * `network connect` in progress keeps its network (it is counted under the host lock).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { linksJson, rootSkip, TestNetns } from '../helpers/netns';
import { TSNET_BIN, ok, tsnetIn } from '../helpers/tsnet';
import { ContainerHost } from '../helpers/containers';

interface Prune { dryRun: boolean; networksDeleted: string[]; kept: Array<{ name: string; reason: string }>; errors: unknown[]; steps: Array<{ name: string; description: string }> }

const names = (host: string, root: string): string[] =>
  (JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<{ name: string }>).map((n) => n.name).sort();

/** stoppedWith — the pid of a stopped (state T) process whose command line contains `text`. */
function stoppedWith(text: string): number | undefined {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (/^\d+ \(.*\) T /s.test(stat) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) return Number(p);
    } catch { /* gone */ }
  }
  return undefined;
}

describe('network prune', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('removes unused networks, keeps tsnet0 and used ones; docker\'s output; asks without -f; --dry-run and --filter', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['init', '--bip', '10.93.0.1/24']));
    for (const [n, s] of [['pa', '10.93.1.0/24'], ['pb', '10.93.2.0/24'], ['pc', '10.93.3.0/24']] as const) ok(tsnetIn(host, root, ['network', 'create', n, '--subnet', s]));
    ok(tsnetIn(host, root, ['network', 'connect', 'pb', g]));
    const bridges = (JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<{ name: string; bridge: string }>);
    const bridgeOf = (n: string): string => bridges.find((b) => b.name === n)!.bridge;

    const dry = JSON.parse(ok(tsnetIn(host, root, ['network', 'prune', '--dry-run', '--json'])).stdout) as Prune;
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.networksDeleted, ['pa', 'pc']);
    assert.deepEqual(dry.kept.map((k) => k.name).sort(), ['pb', 'tsnet0']);
    assert.match(dry.kept.find((k) => k.name === 'pb')!.reason, new RegExp(`in use by netns:${g} eth1`));
    assert.deepEqual(dry.steps.map((s) => s.name), ['remove-network', 'remove-network']);
    assert.deepEqual(names(host, root), ['pa', 'pb', 'pc', 'tsnet0'], 'a dry run removes nothing');

    const unconfirmed = tsnetIn(host, root, ['network', 'prune']);
    assert.equal(unconfirmed.status, 2, 'no -f and no "y" on stdin: nothing done');
    assert.match(unconfirmed.stderr, /Are you sure you want to continue\? \[y\/N\] tsnet: error: network prune was not confirmed/);
    assert.deepEqual(names(host, root), ['pa', 'pb', 'pc', 'tsnet0']);

    const young = ok(tsnetIn(host, root, ['network', 'prune', '-f', '--filter', 'until=24h']));
    assert.equal(young.stdout, '', 'every network is younger than 24h: none deleted, nothing printed (as docker)');
    assert.equal(tsnetIn(host, root, ['network', 'prune', '-f', '--filter', 'label=x']).status, 2);

    const r = ok(tsnetIn(host, root, ['network', 'prune', '-f']));
    assert.equal(r.stdout, 'Deleted Networks:\npa\npc\n');
    assert.deepEqual(names(host, root), ['pb', 'tsnet0']);
    const links = linksJson(host).map((l) => l.ifname);
    assert.ok(!links.includes(bridgeOf('pa')) && !links.includes(bridgeOf('pc')), 'their bridges are gone');
    assert.ok(links.includes(bridgeOf('pb')));

    ok(tsnetIn(host, root, ['network', 'disconnect', 'pb', g]));
    assert.deepEqual((JSON.parse(ok(tsnetIn(host, root, ['network', 'prune', '-f', '--json'])).stdout) as Prune).networksDeleted, ['pb']);
    assert.deepEqual(names(host, root), ['tsnet0']);
  });

  test('a network that a stopped container lists is kept (the container could not start again without it)', () => {
    const h = new ContainerHost();
    try {
      ok(h.cli(['network', 'create', 'pcon', '--subnet', '10.95.1.0/24']));
      ok(h.cli(['create', '--name', 'pc1', '--network', 'pcon', 'busybox', 'true'])); // created, never started: no interface
      const r = JSON.parse(ok(h.cli(['network', 'prune', '-f', '--json'])).stdout) as Prune;
      assert.deepEqual(r.networksDeleted, []);
      assert.match(r.kept.find((k) => k.name === 'pcon')?.reason ?? '', /in use by container pc1/);
      assert.equal(h.cli(['network', 'rm', 'pcon', '--dry-run']).status, 0, 'network rm still may (as docker rm does)');
      ok(h.cli(['rm', 'pc1']));
      assert.equal(ok(h.cli(['network', 'prune', '-f'])).stdout, 'Deleted Networks:\npcon\n');
    } finally {
      h.cleanup();
    }
  });

  test('a network connect in progress keeps its network: the prune counts it under the host lock', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'busy', '--subnet', '10.94.1.0/24']));
    ok(tsnetIn(host, root, ['network', 'ls'])); // in daemon mode: the daemon is up before the direct call below
    // The connect runs as its own process (not through a daemon) and stops itself as its first
    // step starts: its record is written, nothing is attached yet.
    const child = spawn('ip', ['netns', 'exec', host, TSNET_BIN, 'network', '--root', root, 'connect', 'busy', g], {
      env: { ...process.env, TSNET_NO_DAEMON: '1', TSNET_TEST_HOOKS: '1', TSNET_SIGNAL_AT: 'attach:record=SIGSTOP' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    let pid: number | undefined;
    while ((pid = stoppedWith(root)) === undefined) {
      assert.equal(child.exitCode, null, `the connect ended before its first step: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    try {
      const r = JSON.parse(ok(tsnetIn(host, root, ['network', 'prune', '-f', '--json'])).stdout) as Prune;
      assert.deepEqual(r.networksDeleted, [], 'the network of a connect in progress is not pruned');
      assert.match(r.kept[0]!.reason, /in use by .*attaching, pid \d+/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(await done, 0, out);
    assert.deepEqual(names(host, root), ['busy']);
    assert.ok(linksJson(g).some((l) => l.ifname === 'eth1'), 'the connect completed');
    const kept = tsnetIn(host, root, ['network', 'prune', '-f']);
    assert.equal(kept.stdout, '', 'attached now: kept');
  });
});
