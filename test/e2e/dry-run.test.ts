/**
 * End-to-end: `--dry-run` of network create, init and port publish/unpublish runs every check the real
 * command runs (a refused request exits as the real one does, with the same message), names
 * every value the real run would choose (and a following real run then chooses it), and
 * changes nothing: links, addresses, routes, firewall rules, sysctls and state are compared
 * before and after.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rootSkip, sh, snapshot, TestNetns } from '../helpers/netns';
import { ok, tsnetIn, type CliResult } from '../helpers/tsnet';

/** firewall — the host netns's rules as both front ends list them (without counters, and comment lines with dates). */
function firewall(host: string): string[] {
  const run = (argv: string[]): string => {
    const r = spawnSync('ip', ['netns', 'exec', host, ...argv], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n') : `(${argv[0]} failed)`;
  };
  return [run(['iptables-save']), run(['nft', '-s', 'list', 'ruleset'])];
}

/** world — everything a dry run must leave as it was: the kernel of the host netns and the root's state. */
function world(host: string, root: string): string {
  const sysctls = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'].map((k) => sh(['ip', 'netns', 'exec', host, 'sysctl', '-n', k]).trim());
  const state = ['network ls', 'port ls'].map((c) => ok(tsnetIn(host, root, [...c.split(' '), '--json'])).stdout);
  return JSON.stringify({ kernel: snapshot(host), firewall: firewall(host), sysctls, state }, null, 1);
}

/**
 * refusedAlike — the dry run of ARGS fails exactly as the real run does (status and message),
 * and neither changes anything (`before`: the world as it was).
 */
function refusedAlike(host: string, root: string, before: string, args: string[], status: number, message: RegExp): void {
  const dry = tsnetIn(host, root, [...args, '--dry-run']);
  const real = tsnetIn(host, root, args);
  assert.equal(world(host, root), before, `${args.join(' ')}: neither the dry run nor the refused real run changed anything`);
  const view = (r: CliResult) => ({ status: r.status, stderr: r.stderr, stdout: r.stdout });
  assert.deepEqual(view(dry), view(real), `${args.join(' ')}: the dry run is refused as the real run is`);
  assert.equal(real.status, status, `${args.join(' ')}: ${real.stderr}`);
  assert.match(real.stderr, message, args.join(' '));
}

interface Step { name: string; description: string }

function steps(doc: { steps: Step[] }): string[] {
  for (const s of doc.steps) assert.deepEqual(Object.keys(s).sort(), ['description', 'name']);
  return doc.steps.map((s) => s.name);
}

describe('--dry-run runs the real checks and names what it would choose', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const children: number[] = [];
  after(() => {
    for (const pid of children) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    t.cleanup();
  });

  test('network create --dry-run', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'a2', '--subnet', '10.88.0.0/24']));
    sh(['ip', '-n', host, 'link', 'add', 'dum0', 'type', 'veth', 'peer', 'name', 'dum1']);
    const base = world(host, root);
    const a2Bridge = String((JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<Record<string, unknown>>)[0]!['bridge']);

    // The two commands of the issue, then every other refusal of the real create.
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--subnet', '10.80.0.1/24'], 2, /host bits set; did you mean 10\.80\.0\.0\/24\?/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--ipv6', '--mtu', '1000'], 2, /IPv6 needs an MTU of at least 1280.*1000/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--subnet', '10.88.0.0/25'], 4, /overlaps .*tsnet network a2/);
    refusedAlike(host, root, base, ['network', 'create', 'a2'], 4, /a network named a2 already exists/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--bridge', a2Bridge], 4, new RegExp(`bridge ${a2Bridge} already belongs to network a2`));
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--bridge', 'dum0'], 4, /dum0 exists and is not a bridge/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--subnet', '10.81.0.0/24', '--gateway', '10.82.0.1'], 2, /gateway "10\.82\.0\.1" is not a usable address of 10\.81\.0\.0\/24/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '--subnet', '10.81.0.0/24', '--dhcp-server', '--dhcp-range', '10.9.0.5-10.9.0.9'], 2, /--dhcp-range .* is not inside subnet 10\.81\.0\.0\/24/);
    refusedAlike(host, root, base, ['network', 'create', 'lab', '-b', 'nosuchbr'], 3, /bridge nosuchbr \(-b\) does not exist/);

    // Accepted: every chosen value named, and the real create then chooses the same.
    const j = JSON.parse(ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', 'auto', '--dry-run', '--json'])).stdout) as Record<string, unknown> & { steps: Step[] };
    const human = ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', 'auto', '--dry-run'])).stdout;
    assert.equal(world(host, root), base, 'the dry runs changed nothing');
    assert.equal(j['dryRun'], true);
    assert.match(String(j['subnet']), /^\d+\.\d+\.\d+\.0\/\d+$/, 'a concrete subnet, not "auto"');
    assert.notEqual(j['subnet'], '10.88.0.0/24');
    assert.deepEqual(steps(j).slice(0, 3), ['record', 'create-bridge', 'gateway-address']);
    for (const v of [j['subnet'], j['gateway'], j['bridge'], `mtu ${String(j['mtu'])}`]) assert.ok(human.includes(String(v)), `the human output names ${String(v)}:\n${human}`);
    assert.doesNotMatch(human, /\bauto\b/);
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', 'auto']));
    const made = (JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<Record<string, unknown>>).find((n) => n['name'] === 'lab')!;
    for (const k of ['subnet', 'gateway', 'bridge', 'mtu', 'ipRange', 'subnet6', 'gateway6', 'internal', 'icc', 'ipMasq']) assert.deepEqual(made[k], j[k], `${k} as the dry run said`);

    // Dual stack: the IPv6 subnet and gateway are named too.
    const v6 = JSON.parse(ok(tsnetIn(host, root, ['network', 'create', 'v6', '--ipv6', '--dry-run', '--json'])).stdout) as Record<string, unknown>;
    assert.match(String(v6['subnet6']), /^fd[0-9a-f:]+\/64$/);
    ok(tsnetIn(host, root, ['network', 'create', 'v6', '--ipv6']));
    const made6 = (JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<Record<string, unknown>>).find((n) => n['name'] === 'v6')!;
    assert.deepEqual([made6['subnet'], made6['subnet6'], made6['gateway6']], [v6['subnet'], v6['subnet6'], v6['gateway6']]);
    ok(tsnetIn(host, root, ['network', 'rm', 'lab', 'v6', 'a2']));
  });

  test('init --dry-run', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    const before = world(host, root);
    refusedAlike(host, root, before, ['init', '--bip', '172.30.0.0/16'], 2, /is a network address/);
    const j = JSON.parse(ok(tsnetIn(host, root, ['init', '--dry-run', '--json'])).stdout) as Record<string, unknown> & { steps: Step[] };
    const bip = JSON.parse(ok(tsnetIn(host, root, ['init', '--dry-run', '--json', '--bip', '172.30.0.1/16'])).stdout) as Record<string, unknown>;
    const human = ok(tsnetIn(host, root, ['init', '--dry-run'])).stdout;
    assert.equal(world(host, root), before, 'the dry runs changed nothing');
    assert.equal(j['dryRun'], true);
    assert.equal(j['name'], 'tsnet0');
    assert.equal(j['bridge'], 'tsnet0');
    assert.match(String(j['subnet']), /^\d+\.\d+\.\d+\.0\/\d+$/);
    assert.ok(steps(j).includes('create-bridge'));
    assert.deepEqual([bip['subnet'], bip['gateway']], ['172.30.0.0/16', '172.30.0.1']);
    for (const v of [j['subnet'], j['gateway'], 'tsnet0', `mtu ${String(j['mtu'])}`]) assert.ok(human.includes(String(v)), `the human output names ${String(v)}:\n${human}`);
    ok(tsnetIn(host, root, ['init']));
    const made = (JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as Array<Record<string, unknown>>)[0]!;
    for (const k of ['subnet', 'gateway', 'bridge', 'mtu']) assert.deepEqual(made[k], j[k], `${k} as the dry run said`);

    // tsnet0 exists: other options are the real run's conflict (exit 4); the same options are a no-op.
    refusedAlike(host, root, world(host, root), ['init', '--bip', '172.30.0.1/16'], 4, /tsnet0 already exists with subnet/);
    const again = ok(tsnetIn(host, root, ['init', '--dry-run']));
    assert.match(again.stdout, /already there/);
    const againJ = JSON.parse(ok(tsnetIn(host, root, ['init', '--dry-run', '--json'])).stdout) as Record<string, unknown> & { steps: Step[] };
    assert.deepEqual([againJ['dryRun'], againJ['subnet'], againJ['steps']], [true, j['subnet'], []]);
    ok(tsnetIn(host, root, ['network', 'rm', 'tsnet0']));
  });

  test('attach --dry-run to tsnet0 before it exists: the init it would run, then the attach', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const before = world(host, root);
    const j = JSON.parse(ok(tsnetIn(host, root, ['attach', '--dry-run', '--json', 'tsnet0', g])).stdout) as Record<string, unknown> & { steps: Step[] };
    const human = ok(tsnetIn(host, root, ['attach', '--dry-run', 'tsnet0', g])).stdout;
    assert.equal(world(host, root), before, 'the dry runs changed nothing');
    assert.deepEqual([j['dryRun'], j['network'], j['attachedTo'], j['interface']], [true, 'tsnet0', 'tsnet0', 'eth1']);
    assert.ok(steps(j).includes('create-bridge') && steps(j).at(-1) === 'attach', steps(j).join(' '));
    const subnet = /subnet (\S+),/.exec(String(j['message']))![1]!;
    assert.ok(human.includes(`subnet ${subnet}`) && /attach: attach \S+ eth1 to tsnet0: veth tsn/.test(human), human);
    ok(tsnetIn(host, root, ['attach', 'tsnet0', g]));
    const made = (JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ hostInterface: string; addresses: string[] }>)[0]!;
    assert.equal(made.hostInterface, j['hostInterface'], 'the host side the dry run named');
    assert.equal((JSON.parse(ok(tsnetIn(host, root, ['network', 'inspect', 'tsnet0', '--json'])).stdout) as Array<{ subnet: string }>)[0]!.subnet, subnet);
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'tsnet0']));
  });

  test('port publish --dry-run', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const g2 = t.make('g2');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'pn', '--subnet', '10.86.0.0/24']));
    ok(tsnetIn(host, root, ['attach', 'pn', g]));
    ok(tsnetIn(host, root, ['attach', 'pn', g2]));
    ok(tsnetIn(host, root, ['port', 'publish', g, '-p', '8080:80']));
    // Another program on the host holds 9090.
    const other = spawn('ip', ['netns', 'exec', host, process.execPath, '-e', "require('net').createServer().listen(9090, () => console.log('ready'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(other.pid!);
    await new Promise<void>((resolve) => other.stdout.once('data', () => resolve()));
    const base = world(host, root);

    refusedAlike(host, root, base, ['port', 'publish', g2, '-p', '8080:80'], 4, new RegExp(`host port 0\\.0\\.0\\.0:8080/tcp is already published by netns:${g} \\(its port 80\\)`));
    refusedAlike(host, root, base, ['port', 'publish', g2, '-p', '9090:80'], 4, new RegExp(`host port \\*:9090/tcp is in use by another process \\(pid ${other.pid}, node\\)`));
    refusedAlike(host, root, base, ['port', 'publish', 'tsnet-t-nosuch', '-p', '80'], 3, /tsnet-t-nosuch/);
    refusedAlike(host, root, base, ['port', 'publish', g2, '-p', '80:abc'], 2, /80:abc/);
    refusedAlike(host, root, base, ['port', 'publish', g2], 2, /give at least one -p/);

    const j = JSON.parse(ok(tsnetIn(host, root, ['port', 'publish', g2, '-p', '8081:80', '-p', '53/udp', '--dry-run', '--json'])).stdout) as Record<string, unknown> & { steps: Step[]; ports: Array<Record<string, unknown>> };
    const human = ok(tsnetIn(host, root, ['port', 'publish', g2, '-p', '8081:80', '-p', '53/udp', '--dry-run'])).stdout;
    assert.equal(world(host, root), base, 'the dry runs changed nothing');
    assert.equal(j['dryRun'], true);
    assert.equal(j['guest'], `netns:${g2}`);
    assert.deepEqual(j['ports'].map((p) => [p['hostIp'], p['hostPort'], p['protocol'], p['containerPort']]), [['0.0.0.0', 8081, 'tcp', 80], ['0.0.0.0', 49153, 'udp', 53]]);
    assert.ok(steps(j).includes('firewall'));
    assert.match(human, /0\.0\.0\.0:8081->80\/tcp/);
    assert.match(human, /0\.0\.0\.0:49153->53\/udp/);
    ok(tsnetIn(host, root, ['port', 'publish', g2, '-p', '8081:80', '-p', '53/udp']));
    const real = JSON.parse(ok(tsnetIn(host, root, ['port', 'ls', '--json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(real.filter((p) => p['guest'] === `netns:${g2}`).map((p) => [p['hostIp'], p['hostPort'], p['protocol'], p['containerPort']]),
      j['ports'].map((p) => [p['hostIp'], p['hostPort'], p['protocol'], p['containerPort']]), 'the real run took the ports the dry run named');

    // port unpublish --dry-run: the real checks, the mappings it would remove, nothing changed.
    const published = world(host, root);
    refusedAlike(host, root, published, ['port', 'unpublish', g2, '80:abc'], 2, /"80:abc" is not a host port/);
    refusedAlike(host, root, published, ['port', 'unpublish', 'tsnet-t-nosuch'], 2, /tsnet-t-nosuch is not attached to a tsnet network/);
    const u = JSON.parse(ok(tsnetIn(host, root, ['port', 'unpublish', g2, '8081', '--dry-run', '--json'])).stdout) as Record<string, unknown> & { steps: Step[]; ports: Array<Record<string, unknown>> };
    assert.deepEqual(u['ports'].map((p) => [p['hostPort'], p['protocol']]), [[8081, 'tcp']]);
    assert.deepEqual(steps(u), ['firewall', 'forget']);
    assert.match(ok(tsnetIn(host, root, ['port', 'unpublish', g2, '8081', '--dry-run'])).stdout, /0\.0\.0\.0:8081->80\/tcp/);
    assert.equal(ok(tsnetIn(host, root, ['port', 'unpublish', g2, '9999', '--dry-run'])).stdout, 'nothing published there; nothing to do\n');
    assert.equal(world(host, root), published, 'the unpublish dry runs changed nothing');
    assert.equal(ok(tsnetIn(host, root, ['port', 'unpublish', g2, '8081'])).stdout, 'unpublished 0.0.0.0:8081/tcp\n');
    other.kill('SIGKILL');
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['detach', g2]));
    ok(tsnetIn(host, root, ['network', 'rm', 'pn']));
  });
});
