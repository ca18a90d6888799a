/**
 * e2e: every command's --json output against its kind's schema (src/cli/json-schema.ts,
 * committed as docs/json-schema/tsnet-output.schema.json). Objects are strict: a missing key,
 * an extra key or a wrong type fails, naming the command and the path of the bad value.
 * One host netns and state root (the containers fixture) run the commands in the order a
 * user would; the last test checks that every command listed in OUTPUTS was validated.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { rootSkip, sh } from '../helpers/netns';
import { DAEMON_MODE, ok, TSNET_BIN, type CliResult } from '../helpers/tsnet';
import { ContainerHost } from '../helpers/containers';
import { busyboxTar } from '../helpers/busybox';
import { OUTPUTS, schemaFor } from '../../src/cli/json-schema';

describe('--json output has the schema of its kind', { skip: rootSkip }, () => {
  let h: ContainerHost;
  let g: string;
  let gone: string;
  const seen = new Set<string>();
  before(() => {
    h = new ContainerHost('ip-netns-exec');
    g = h.t.make('g');
    gone = h.t.make('gone');
  });
  after(() => h?.cleanup());

  /** json — tsnet ARGS --json: exits `status`, prints one document valid against what OUTPUTS says `what` prints. */
  function json<T = unknown[]>(what: string, args: string[], status = 0, run = (a: string[]): CliResult => h.cli(a)): T {
    const kind = OUTPUTS[what];
    assert.ok(kind, `OUTPUTS lists no "${what}"`);
    const r = run(args.includes('--json') ? args : [...args, '--json']); // before IMAGE for run/create: after it, options are the command's
    assert.equal(r.status, status, `tsnet ${args.join(' ')} --json: exit ${r.status}, expected ${status}\n${r.stderr}${r.stdout}`);
    let body: unknown;
    try { body = JSON.parse(r.stdout); } catch { assert.fail(`tsnet ${args.join(' ')} --json printed no JSON document:\n${r.stdout}`); }
    const v = schemaFor(kind).safeParse(body);
    assert.ok(v.success, `tsnet ${args.join(' ')} --json is not ${kind}:\n${v.success ? '' : z.prettifyError(v.error)}\n${r.stdout}`);
    seen.add(what);
    return body as T;
  }

  /** some — a listing that must not be empty (an empty array validates against anything). */
  function some<T>(list: T[], what: string): T[] {
    assert.ok(list.length > 0, `${what} listed nothing`);
    return list;
  }

  test('errors, usage errors included, are {"error","code"}', () => {
    json('(any failure)', ['network', 'inspect', 'nosuch'], 3);
    json('(any failure)', ['ls', '--bogus'], 2);
    json('(any failure)', ['attach', 'br0', g, '10.0.0.1/99'], 2);
  });

  test('networks: create, init, ls and inspect print one shape, with the DHCP server settings', () => {
    const a = json<{ dhcpServer: unknown; internal: boolean; icc: boolean }>('network create', ['network', 'create', 'ja', '--subnet', '10.97.0.0/24', '--icc', 'false',
      '--dhcp-server', '--dhcp-range', '10.97.0.100-10.97.0.110', '--lease', '90s', '--dhcp-dns', '10.97.0.1']);
    assert.deepEqual([a.icc, a.dhcpServer !== null], [false, true]);
    json('network create --dry-run', ['network', 'create', '--dry-run', 'jb', '--subnet', '10.96.0.0/24', '--internal']);
    json('network create', ['network', 'create', 'jb', '--subnet', '10.96.0.0/24', '--internal']);
    json('init --dry-run', ['init', '--dry-run', '--bip', '10.95.0.1/24']);
    json('init', ['init', '--bip', '10.95.0.1/24']);
    const dhcp = json<{ servers: unknown[] }>('dhcp status', ['dhcp', 'status']);
    assert.equal(dhcp.servers.length, 1);
    json('dhcp leases', ['dhcp', 'leases']);
    assert.match(json<{ instance: string }>('dhcp unit', ['dhcp', 'unit']).instance, /^tsnet-dhcp-keeper@\S+\.service$/);
    const listed = some(json<Array<{ name: string }>>('network ls', ['network', 'ls']), 'network ls');
    const inspected = json<Array<{ name: string }>>('network inspect', ['network', 'inspect', 'ja', 'jb']);
    assert.deepEqual(inspected, listed.filter((n) => n.name === 'ja' || n.name === 'jb'), 'network inspect prints the objects network ls prints');
  });

  test('attach, network connect and their dry runs; ls and inspect print one shape', () => {
    json('attach --dry-run', ['attach', '--dry-run', 'ja', g]);
    const r = json<{ attachment: { network: string; state: string } }>('attach', ['attach', 'ja', g]);
    assert.deepEqual([r.attachment.network, r.attachment.state], ['ja', 'up']);
    json('network connect --dry-run', ['network', 'connect', '--dry-run', 'jb', g]);
    json('network connect', ['network', 'connect', 'jb', g]);
    json('attach', ['attach', '-i', 'eth5', 'br-jsonx', g, '10.94.0.5/24@10.94.0.1', 'U:json']);
    ok(h.cli(['attach', 'ja', gone]));
    const all = some(json<Array<{ guest: string }>>('ls', ['ls']), 'ls');
    const mine = json<Array<{ guest: string }>>('inspect GUEST', ['inspect', g]);
    assert.deepEqual(mine, all.filter((a) => a.guest === `netns:${g}`), 'inspect prints the objects ls prints');
    assert.equal(mine.length, 3);
  });

  test('ports: publish, ls, port GUEST, unpublish', () => {
    json('port publish --dry-run', ['port', 'publish', '--dry-run', g, '-i', 'eth1', '-p', '18080:80']);
    some(json('port publish', ['port', 'publish', g, '-i', 'eth1', '-p', '18080:80', '-p', '15353:53/udp']), 'port publish');
    some(json('port ls', ['port', 'ls']), 'port ls');
    some(json('port', ['port', g]), 'port GUEST');
    json('port unpublish --dry-run', ['port', 'unpublish', '--dry-run', g, '-i', 'eth1', '15353/udp']);
    some(json('port unpublish', ['port', 'unpublish', g, '-i', 'eth1', '15353/udp']), 'port unpublish');
  });

  test('images, ps and a container\'s inspect (Docker\'s shape)', () => {
    some(json('images', ['images']), 'images');
    json('run -d', ['run', '--json', '-d', '--name', 'jc', '--network', 'ja', 'busybox', 'sleep', '600']);
    json('create', ['create', '--json', '--name', 'jc2', '--network', 'none', 'busybox', 'sleep', '600']);
    some(json('ps', ['ps', '-a']), 'ps');
    some(json('inspect CONTAINER', ['inspect', 'jc']), 'inspect');
    json('start', ['start', 'jc2']);
    json('restart', ['restart', '-t', '0', 'jc2']);
    const stopped = json<Array<{ name: string; id: string | null; code: string | null }>>('stop', ['stop', '-t', '0', 'jc2', 'nosuch'], 3);
    assert.deepEqual(stopped.map((s) => [s.name, s.id !== null, s.code]), [['jc2', true, null], ['nosuch', false, 'ENOTFOUND']], 'every name tried');
    json('kill', ['kill', 'jc']);
    assert.deepEqual(json<Array<{ exitCode: number }>>('wait', ['wait', 'jc']).map((w) => w.exitCode), [137]);
    json('rm', ['rm', '-f', 'jc', 'jc2']);
  });

  test('image commands (import, tag, save and load, rmi, mount, umount), top and commit', () => {
    const dir = h.t.tmpdir();
    busyboxTar(dir, join(dir, 'bb.tar'));
    json('import', ['import', join(dir, 'bb.tar'), 'jimg:1']);
    assert.deepEqual(json('tag', ['tag', 'jimg:1', 'jimg:2']), { name: 'docker.io/library/jimg:2' });
    ok(h.cli(['save', '-o', join(dir, 'saved.tar'), 'jimg:1']));
    some(json('load', ['load', '-i', join(dir, 'saved.tar')]), 'load');
    // (The mount itself lives in the mount namespace of `ip netns exec`, gone with it.)
    assert.equal(json<{ path: string }>('mount', ['mount', 'jimg:1', join(dir, 'm')]).path.startsWith(join(dir, 'm')), true);
    json('umount', ['umount', join(dir, 'm')]);
    const gone = json<Array<{ name: string; code: string | null }>>('rmi', ['rmi', 'jimg:2', 'nosuch:1', 'jimg:1'], 3);
    assert.deepEqual(gone.map((r) => [r.name, r.code]), [['jimg:2', null], ['nosuch:1', 'ENOTFOUND'], ['jimg:1', null]], 'every name tried');
    json('run -d', ['run', '--json', '-d', '--name', 'jt', '--network', 'none', 'busybox', 'sleep', '600']);
    assert.ok(some(json<Array<{ cmd: string }>>('top', ['top', 'jt']), 'top').some((p) => /sleep 600/.test(p.cmd)));
    json('commit', ['commit', 'jt', 'jcommit:1']);
    ok(h.cli(['rm', '-f', 'jt']));
    ok(h.cli(['rmi', 'jcommit:1']));
  });

  test('route, rule and tc inside a guest print what ip and tc printed', () => {
    assert.match(json<{ stdout: string }>('route', ['route', g]).stdout, /dev eth1/);
    assert.match(json<{ stdout: string }>('rule', ['rule', g]).stdout, /lookup main/);
    json('tc', ['tc', g]);
  });

  test('gc and gc --dry-run report objects', () => {
    sh(['ip', 'netns', 'del', gone]);
    const dry = json<{ actions: Array<{ kind: string }> }>('gc --dry-run', ['gc', '--dry-run']);
    assert.ok(dry.actions.some((a) => a.kind === 'record'), 'the attachment of the deleted netns would go');
    const done = json<{ actions: unknown[] }>('gc', ['gc']);
    assert.deepEqual(done.actions, dry.actions.map((a) => a), 'gc does what its dry run said');
  });

  test('detach, network disconnect and their dry runs', () => {
    json('network disconnect --dry-run', ['network', 'disconnect', '--dry-run', 'jb', g]);
    const d = json<{ removed: Array<{ state: string }> }>('network disconnect', ['network', 'disconnect', 'jb', g]);
    assert.deepEqual(d.removed.map((a) => a.state), ['removed']);
    json('detach --dry-run', ['detach', '--dry-run', g]);
    json('detach', ['detach', g]);
  });

  test('network rm A NOSUCH B: one entry per argument, dry run included', () => {
    json('network rm --dry-run', ['network', 'rm', '--dry-run', 'ja', 'nosuch'], 3);
    const r = json<Array<{ name: string; removed: boolean; code: string | null }>>('network rm', ['network', 'rm', 'ja', 'nosuch', 'jb', 'tsnet0'], 3);
    assert.deepEqual(r.map((e) => [e.name, e.removed, e.code]), [['ja', true, null], ['nosuch', false, 'ENOTFOUND'], ['jb', true, null], ['tsnet0', true, null]]);
  });

  test('network prune and its dry run', () => {
    json('network create', ['network', 'create', 'jp', '--subnet', '10.93.0.0/24']);
    assert.deepEqual(json<{ networksDeleted: string[] }>('network prune --dry-run', ['network', 'prune', '--dry-run']).networksDeleted, ['jp']);
    assert.deepEqual(json<{ networksDeleted: string[] }>('network prune', ['network', 'prune', '-f']).networksDeleted, ['jp']);
  });

  // --root after the subcommand: `tsnet daemon --root R status` is read as `daemon run status`,
  // and `tsnet lab --root R ls` is refused (globals before a subcommand of these two groups).
  const rootLast = (a: string[]): CliResult => {
    const r = spawnSync('ip', ['netns', 'exec', h.host, TSNET_BIN, ...a, '--root', h.root], { encoding: 'utf8' });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };

  test('daemon status', () => {
    if (DAEMON_MODE) json('daemon status', ['daemon', 'status'], 0, rootLast);
    else json('(any failure)', ['daemon', 'status'], 3, rootLast);
  });

  /** lab — as the lab tests run it: from this netns (the lab makes its hosts' namespaces, tsnet-t-*, by --prefix). */
  const lab = (a: string[]): CliResult => {
    const r = spawnSync(TSNET_BIN, [...a, '--root', h.root], { encoding: 'utf8' });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };

  test('a two-host lab: up --dry-run, up, status (--ping), ls, down', () => {
    const name = `j${randomBytes(3).toString('hex')}`;
    const file = join(h.t.tmpdir(), 'lab.yaml');
    writeFileSync(file, `name: ${name}
hosts:
  hA:
    underlay: 10.201.0.1/24
    networks:
      br0: { subnet: 10.202.0.0/24 }
  hB:
    underlay: 10.201.0.2/24
    networks:
      br0: { subnet: 10.203.0.0/24 }
nodes:
  n1: { host: hA, kind: netns, attach: ["br0 10.202.0.10/24@10.202.0.1"] }
  n2: { host: hB, kind: netns, attach: ["br0 10.203.0.10/24@10.203.0.1"] }
links:
  - { name: wire, type: veth, hosts: [hA, hB] }
`);
    const prefix = ['--prefix', `tsnet-t-${randomBytes(4).toString('hex')}-`];
    const plan = json<{ steps: unknown[] }>('lab up --dry-run', ['lab', 'up', file, '--dry-run', ...prefix], 0, lab);
    assert.ok(plan.steps.length > 0);
    try {
      json('lab up', ['lab', 'up', file, ...prefix], 0, lab);
      json('lab status', ['lab', 'status', name], 0, lab);
      const pinged = json<{ reach: { failures: number } }>('lab status', ['lab', 'status', name, '--ping'], 0, lab);
      assert.equal(pinged.reach.failures, 0);
      some(json('lab ls', ['lab', 'ls'], 0, lab), 'lab ls');
      json('lab down --dry-run', ['lab', 'down', name, '--dry-run'], 0, lab);
    } finally {
      json('lab down', ['lab', 'down', name], 0, lab);
    }
  });

  test('every command OUTPUTS lists was validated above', () => {
    const notHere = new Set(['lab apply --dry-run', 'lab netem --dry-run', 'lab link --dry-run' /* kernel/lab.test */, 'pull', 'push', 'login', 'logout' /* e2e/images-registry.test */,
      ...(DAEMON_MODE ? [] : ['daemon status'])]);
    assert.deepEqual(Object.keys(OUTPUTS).filter((k) => !seen.has(k) && !notHere.has(k)), []);
  });
});
