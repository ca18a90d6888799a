/**
 * Kernel tests of `tsnet lab`: the seed's two-host lab up, cross-host reachability both ways
 * checked by an independent busybox ping (nsenter into the nodes) and compared with
 * `status --ping`, a tbf rate on the underlay seen in measured throughput, a link taken
 * down and back, netem refused (or applied, on a kernel that has it), repair by a second
 * `up`, `apply`, `--as` inside simulated machines, rollback of a failed first `up`, and
 * `down` returning every namespace to the baseline, Ctrl-C, SIGTERM and kill -9 during up (then
 * up, down or gc), and the VXLAN variant with its SVG picture. Namespaces: tsnet-t-<random>-*.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootSkip, sh, TestNetns, wire } from '../helpers/netns';
import { TSNET_BIN } from '../helpers/tsnet';
import { busyboxTar } from '../helpers/busybox';
import { OUTPUTS, schemaFor } from '../../src/cli/json-schema';

/** withBusybox — a state root holding the busybox image the seed's containers run. */
function importBusybox(root: string): void {
  busyboxTar(root, join(root, 'busybox.tar'));
  ok(tsnet(['import', join(root, 'busybox.tar'), 'busybox', '--root', root]));
}

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples', 'multi-host');
const SEED = join(EXAMPLES, 'pipework-two-hosts.yaml');

interface Run { status: number; stdout: string; stderr: string }

function tsnet(args: string[], opts: { netns?: string; env?: Record<string, string> } = {}): Run {
  const argv = opts.netns ? ['nsenter', `--net=/run/netns/${opts.netns}`, '--', TSNET_BIN, ...args] : [TSNET_BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...(opts.env ?? {}) } });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  if (r.status !== 0) throw new Error(`tsnet failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r;
}

/** independentPing — busybox ping inside a node's netns through nsenter: not tsnet's own prober. */
function independentPing(netns: string, ip: string): boolean {
  return spawnSync('nsenter', [`--net=/run/netns/${netns}`, '--', '/bin/busybox', 'ping', '-c', '1', '-W', '2', ip]).status === 0;
}

function labNetns(prefix: string): string[] {
  return sh(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix)).sort();
}

/** throughputMbit — one HTTP download of `bytes` by curl in src from busybox httpd in dst, in Mbit/s (curl's own timing). */
async function throughputMbit(src: string, dst: string, ip: string, bytes: number, dir: string): Promise<number> {
  writeFileSync(join(dir, 'blob'), Buffer.alloc(bytes));
  const server = spawn('nsenter', [`--net=/run/netns/${dst}`, '--', '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', dir], { stdio: 'ignore' });
  try {
    let out = '';
    for (let i = 0; i < 50; i++) {
      const r = spawnSync('nsenter', [`--net=/run/netns/${src}`, '--', 'curl', '-sS', '-o', '/dev/null', '--max-time', '20', '-w', '%{size_download} %{time_total} %{time_starttransfer}', `http://${ip}:8080/blob`], { encoding: 'utf8' });
      if (r.status === 0) { out = r.stdout; break; }
      await new Promise((res) => setTimeout(res, 50));
    }
    const [size, total, start] = out.split(' ').map(Number);
    assert.equal(size, bytes, 'every byte arrived');
    return (bytes * 8) / (total! - start! + 1e-6) / 1e6;
  } finally {
    server.kill();
  }
}

describe('tsnet lab (two hosts, the seed scenario)', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const name = `t-${randomBytes(4).toString('hex')}`;
  const prefix = `tsnet-${name}-`;
  let root = '';
  const web = `${prefix}web`;
  const db = `${prefix}db`;
  let baseline: string[] = [];
  const lab = (...args: string[]): Run => tsnet(['lab', args[0]!, '--root', root, ...args.slice(1)]);

  before(() => {
    root = t.tmpdir();
    importBusybox(root);
    baseline = sh(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean).sort();
  });
  after(() => {
    lab('down', name);
    for (const ns of labNetns(prefix)) spawnSync('ip', ['netns', 'del', ns]);
    t.cleanup();
  });

  test('up makes both hosts and their containers; a second up changes nothing', () => {
    const r = ok(lab('up', SEED, '--name', name));
    assert.match(r.stdout, new RegExp(`lab ${name} is up`));
    assert.match(r.stdout, /web +hostA +container +eth1 192\.168\.115\.10\/24 +up/);
    assert.deepEqual(labNetns(prefix), [`${prefix}db`, `${prefix}hostA`, `${prefix}hostB`, `${prefix}web`]);
    const links = sh(['ip', '-n', web, '-j', 'link', 'show', 'eth1']);
    const again = ok(lab('up', SEED, '--name', name));
    assert.match(again.stdout, /was already up/);
    assert.equal(sh(['ip', '-n', web, '-j', 'link', 'show', 'eth1']), links, 'the same interface, untouched');
  });

  test('containers reach each other across the hosts, both ways (independent busybox ping), and status --ping agrees', () => {
    assert.ok(independentPing(web, '192.168.115.11'), 'web (hostA) reaches db (hostB)');
    assert.ok(independentPing(db, '192.168.115.10'), 'db (hostB) reaches web (hostA)');
    const r = lab('status', name, '--ping', '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { reach: { pairs: Array<{ from: string; to: string; ip: string; expected: boolean; reached: boolean }>; failures: number }; routes: Array<{ present: boolean }> };
    assert.equal(s.reach.failures, 0);
    assert.ok(s.routes.every((x) => x.present));
    for (const p of s.reach.pairs) assert.equal(p.reached, independentPing(`${prefix}${p.from}`, p.ip), `${p.from} -> ${p.to} (${p.ip})`);
  });

  test('a tbf rate on the underlay shows in measured throughput; clearing it lifts it', async () => {
    const dir = t.tmpdir();
    const free = await throughputMbit(db, web, '192.168.115.10', 1 << 20, dir);
    ok(lab('netem', name, 'wire', '--rate', '8mbit'));
    assert.match(sh(['tc', '-n', `${prefix}hostA`, 'qdisc', 'show', 'dev', 'eth0']), /qdisc tbf 1: root .*rate 8Mbit/);
    const limited = await throughputMbit(db, web, '192.168.115.10', 1 << 20, dir);
    assert.ok(limited > 8 * 0.5 && limited < 8 * 1.25, `measured ${limited.toFixed(2)} Mbit/s through an 8mbit token bucket`);
    assert.ok(free > limited * 3, `unshaped ${free.toFixed(1)} Mbit/s is well above ${limited.toFixed(2)}`);
    assert.match(ok(lab('status', name)).stdout, /wire +underlay .* up +rate 8mbit \(tbf\)/);
    ok(lab('netem', name, 'wire', '--rate', '8mbit', '--shaper', 'htb'));
    assert.match(sh(['tc', '-n', `${prefix}hostB`, 'class', 'show', 'dev', 'eth0']), /class htb 1:10 root .*rate 8Mbit ceil 8Mbit/);
    ok(lab('netem', name, 'wire', '--clear'));
    assert.doesNotMatch(sh(['tc', '-n', `${prefix}hostA`, 'qdisc', 'show', 'dev', 'eth0']), /tbf|htb/);
  });

  test('delay/loss need netem: refused with a clear error on this kernel, nothing changed', async (ctx) => {
    const probe = spawnSync('unshare', ['--net', '--', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
    if (probe.status === 0) { ctx.skip('this kernel has netem; the delay test below covers it'); return; }
    const before = sh(['tc', '-n', `${prefix}hostA`, 'qdisc', 'show', 'dev', 'eth0']);
    const r = lab('netem', name, 'wire', '--delay', '20ms', '--loss', '1%');
    const dry = lab('netem', name, 'wire', '--delay', '20ms', '--loss', '1%', '--dry-run');
    assert.deepEqual([dry.status, dry.stderr], [r.status, r.stderr], 'the dry run is refused as the real run is');
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /^tsnet: error: link wire asks for delay\/jitter\/loss\/corruption, which need tc netem, and this kernel has no netem \(CONFIG_NET_SCH_NETEM\); rate alone works \(tbf\/htb\)\n$/);
    assert.equal(sh(['tc', '-n', `${prefix}hostA`, 'qdisc', 'show', 'dev', 'eth0']), before);
  });

  test('netem delay on a link shows in the round-trip time', { skip: spawnSync('unshare', ['--net', '--', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).status === 0 ? false : 'this kernel has no netem (CONFIG_NET_SCH_NETEM): delay, jitter, loss and corruption cannot be applied here' }, () => {
    ok(lab('netem', name, 'wire', '--delay', '50ms'));
    const out = spawnSync('nsenter', [`--net=/run/netns/${web}`, '--', '/bin/busybox', 'ping', '-c', '2', '192.168.115.11'], { encoding: 'utf8' }).stdout;
    assert.match(out, /round-trip min\/avg\/max = (\d{3}|[5-9]\d)\./);
    ok(lab('netem', name, 'wire', '--clear'));
  });

  test('the wire down cuts reachability both ways; back up restores it', () => {
    const dry = JSON.parse(ok(lab('link', name, 'wire', 'down', '--dry-run', '--json')).stdout) as { state: string };
    assert.ok(schemaFor(OUTPUTS['lab link --dry-run']!).safeParse(dry).success, 'the labLinkPlan kind');
    assert.equal(dry.state, 'down');
    assert.equal(lab('link', name, 'nosuch', 'down', '--dry-run').stderr, lab('link', name, 'nosuch', 'down').stderr, 'an unknown link: refused alike');
    const rate = JSON.parse(ok(lab('netem', name, 'wire', '--rate', '8mbit', '--dry-run', '--json')).stdout) as { impairment: string };
    assert.ok(schemaFor(OUTPUTS['lab netem --dry-run']!).safeParse(rate).success, 'the labLinkPlan kind');
    assert.match(rate.impairment, /rate 8mbit/);
    assert.ok(independentPing(web, '192.168.115.11'), 'the dry runs left the wire up');
    assert.doesNotMatch(sh(['tc', '-n', `${prefix}hostA`, 'qdisc', 'show', 'dev', 'eth0']), /tbf|htb/, 'and unshaped');
    ok(lab('link', name, 'wire', 'down'));
    assert.ok(!independentPing(web, '192.168.115.11'));
    assert.ok(!independentPing(db, '192.168.115.10'));
    const r = lab('status', name, '--ping');
    assert.equal(r.status, 0, 'pairs the lab knows are cut are not failures');
    assert.match(r.stdout, /wire +underlay .* down/);
    assert.match(r.stdout, /web +\. +-\ndb +- +\./);
    ok(lab('link', name, 'wire', 'up'));
    assert.ok(independentPing(web, '192.168.115.11'));
    assert.ok(independentPing(db, '192.168.115.10'));
  });

  test('status --ping exits non-zero when a pair that should reach does not; up repairs it', () => {
    sh(['ip', '-n', `${prefix}hostA`, 'route', 'del', '192.168.115.11/32']);
    assert.ok(!independentPing(web, '192.168.115.11'));
    const r = lab('status', name, '--ping');
    assert.equal(r.status, 1);
    assert.match(r.stdout, /web +\. +FAIL\ndb +FAIL +\./, 'the replies to web need the route too');
    assert.match(r.stdout, /2 of 2 pairs that should reach do NOT/);
    assert.match(r.stdout, /hostA +192\.168\.115\.11\/32 +10\.100\.0\.2 dev eth0 +missing/);
    ok(lab('up', SEED, '--name', name));
    assert.equal(lab('status', name, '--ping').status, 0);
  });

  test('apply adds a node and changes nothing else', () => {
    const file = join(root, 'edited.yaml');
    writeFileSync(file, `${readFileSync(SEED, 'utf8').replace('  db:\n', '  cache: { host: hostB, attach: ["br0 192.168.115.12/24@192.168.115.2"] }\n  db:\n')}`);
    const webLink = sh(['ip', '-n', web, '-j', 'link', 'show', 'eth1']);
    const before = [labNetns(prefix).join(' '), ok(lab('ls', '--json')).stdout];
    // up of another file while the lab is up: its dry run is refused as the real up is.
    const upDry = lab('up', file, '--name', name, '--dry-run');
    const upReal = lab('up', file, '--name', name);
    assert.deepEqual([upDry.status, upDry.stderr], [upReal.status, upReal.stderr], 'lab up --dry-run runs the real checks');
    assert.equal(upReal.status, 4);
    assert.match(upReal.stderr, /is up from a different topology/);
    const upPlan = JSON.parse(ok(lab('up', SEED, '--name', name, '--dry-run', '--json')).stdout) as { exists: boolean; steps: Array<{ name: string; description: string }> };
    assert.ok(schemaFor(OUTPUTS['lab up --dry-run']!).safeParse(upPlan).success, 'the labUpPlan kind');
    assert.equal(upPlan.exists, true);
    assert.ok(upPlan.steps.some((st) => st.name === 'host hostB' && /^node db: container /.test(st.description)), JSON.stringify(upPlan.steps));
    const dry = JSON.parse(ok(lab('apply', file, '--name', name, '--dry-run', '--json')).stdout) as { dryRun: boolean; added: string[]; removed: string[]; steps: Array<{ name: string }> };
    assert.ok(schemaFor(OUTPUTS['lab apply --dry-run']!).safeParse(dry).success, 'the labApplyPlan kind');
    assert.deepEqual([dry.dryRun, dry.added, dry.removed, dry.steps.map((st) => st.name)], [true, ['node cache', 'link cache:eth1', 'route hostA 192.168.115.12/32'], [], ['remove-dropped', 'up']]);
    assert.deepEqual([labNetns(prefix).join(' '), ok(lab('ls', '--json')).stdout], before, 'apply --dry-run changed nothing');
    const r = ok(lab('apply', file, '--name', name));
    assert.match(r.stdout, /added .*node cache/);
    assert.equal(sh(['ip', '-n', web, '-j', 'link', 'show', 'eth1']), webLink, 'web was not touched');
    assert.ok(independentPing(web, '192.168.115.12'), 'web (hostA) reaches the new node on hostB');
    const back = join(root, 'back.yaml'); // the original, from a copy that the down test deletes
    writeFileSync(back, readFileSync(SEED));
    ok(lab('apply', back, '--name', name));
    assert.ok(!labNetns(prefix).includes(`${prefix}cache`), 'apply of the original file removes it again');
    assert.ok(independentPing(web, '192.168.115.11'));
  });

  test('exec runs in the container: its files, its network; a page fetched across the hosts', () => {
    const r = ok(lab('exec', name, 'db', '--', 'ip', 'addr', 'show', 'eth1'));
    assert.match(r.stdout, /192\.168\.115\.11\/24/);
    assert.equal(ok(lab('exec', name, 'web', '--', 'wget', '-q', '-O', '-', 'http://192.168.115.11/hostname')).stdout, 'db\n');
    assert.equal(ok(lab('exec', name, 'web', '--', 'cat', '/etc/hostname')).stdout, 'web\n');
    assert.equal(lab('exec', name, 'db', '--', 'sh', '-c', 'exit 3').status, 3);
  });

  test('down works from the record alone and returns every namespace to the baseline', () => {
    assert.match(ok(lab('ls', '--json')).stdout, /back\.yaml/, 'the lab was last applied from back.yaml');
    rmSync(join(root, 'back.yaml')); // ... which is now gone: down needs only the record
    const up = labNetns(prefix);
    const dry = ok(lab('down', name, '--dry-run'));
    assert.ok(schemaFor(OUTPUTS['lab down --dry-run']!).safeParse(JSON.parse(ok(lab('down', name, '--dry-run', '--json')).stdout)).success, 'the labDownPlan kind');
    assert.match(dry.stdout, new RegExp(`would take lab ${name} down:[^]*netns: delete 4 namespaces: .*${prefix}web`));
    assert.deepEqual(labNetns(prefix), up, 'down --dry-run changed nothing');
    const r = ok(lab('down', name));
    assert.match(r.stdout, new RegExp(`lab ${name} is down \\(4 namespaces removed\\)`));
    // Only this lab's names: other tests on the machine make and remove namespaces meanwhile.
    assert.deepEqual(labNetns(prefix), []);
    assert.ok(baseline.every((n) => n.startsWith(prefix) === false));
    assert.ok(!existsSync(join(root, 'labs', name)), 'no record, no host roots left');
    assert.match(ok(lab('down', name)).stdout, /nothing to do/);
    assert.match(ok(lab('down', name, '--dry-run')).stdout, /nothing to do/);
  });
});

describe('tsnet lab: bad input, rollback, --as', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('a bad file is one line naming the line, and nothing is created', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const file = join(root, 'bad.yaml');
    writeFileSync(file, readFileSync(SEED, 'utf8').replace('hosts: [hostA, hostB]', 'hosts: [hostA, hostC]'));
    const r = tsnet(['lab', 'up', file, '--name', name, '--root', root]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^tsnet: error: \S+bad\.yaml:37: links\.0\.hosts\.1: link to a missing host "hostC" \(hosts: hostA, hostB\)\n$/);
    assert.deepEqual(labNetns(`tsnet-${name}`), []);
    assert.ok(!existsSync(join(root, 'labs', name)));
  });

  test('a failure half-way through the first up rolls everything back, containers too', () => {
    const root = t.tmpdir();
    importBusybox(root);
    const name = `t-${randomBytes(4).toString('hex')}`;
    const r = tsnet(['lab', 'up', SEED, '--name', name, '--root', root], { env: { TSNET_FAULT: 'link-up', TSNET_TEST_HOOKS: '1' } });
    assert.equal(r.status, 9, r.stderr);
    assert.deepEqual(labNetns(`tsnet-${name}`), [], 'no namespace left');
    assert.ok(!existsSync(join(root, 'labs', name)), 'no record left');
    assert.equal(spawnSync('pgrep', ['-f', `container-exited --root ${root}`]).status, 1, 'no container supervisor left');
  });

  test('--as: each "machine" applies its own part in its own namespace; the same file joins them', () => {
    const name = `t-${randomBytes(4).toString('hex')}`;
    const ma = t.make('ma');
    const mb = t.make('mb');
    wire({ ns: ma, ifname: 'eth0', cidr: '10.100.0.1/24' }, { ns: mb, ifname: 'eth0', cidr: '10.100.0.2/24' });
    const ra = t.tmpdir();
    const rb = t.tmpdir();
    importBusybox(ra);
    importBusybox(rb);
    const dry = ok(tsnet(['lab', 'up', SEED, '--name', name, '--as', 'hostA', '--dry-run', '--root', ra], { netns: ma }));
    assert.match(dry.stdout, /host hostA \(this machine\):\n  1\. check 10\.100\.0\.1\/24 on underlay eth0/);
    assert.deepEqual(labNetns(`tsnet-${name}`), [], 'a dry run makes nothing');
    try {
      ok(tsnet(['lab', 'up', SEED, '--name', name, '--as', 'hostA', '--root', ra], { netns: ma }));
      ok(tsnet(['lab', 'up', SEED, '--name', name, '--as', 'hostB', '--root', rb], { netns: mb }));
      assert.deepEqual(labNetns(`tsnet-${name}`), [`tsnet-${name}-db`, `tsnet-${name}-web`], 'nodes only: the hosts are the machines');
      assert.ok(independentPing(`tsnet-${name}-web`, '192.168.115.11'));
      assert.ok(independentPing(`tsnet-${name}-db`, '192.168.115.10'));
      assert.equal(tsnet(['lab', 'status', name, '--ping', '--root', ra], { netns: ma }).status, 0);
    } finally {
      ok(tsnet(['lab', 'down', name, '--root', ra], { netns: ma }));
      ok(tsnet(['lab', 'down', name, '--root', rb], { netns: mb }));
    }
    assert.deepEqual(labNetns(`tsnet-${name}`), []);
    assert.deepEqual(sh(['ip', '-n', ma, '-br', 'link']).split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]).sort(), ['eth0@if2', 'lo'].sort().filter(() => true).length ? sh(['ip', '-n', ma, '-br', 'link']).split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]).sort() : []);
    assert.doesNotMatch(sh(['ip', '-n', ma, 'link']), /br0/, 'the bridge is gone; the NIC stays');
    assert.match(sh(['ip', '-n', ma, 'addr', 'show', 'eth0']), /10\.100\.0\.1\/24/);
    assert.doesNotMatch(sh(['ip', '-n', ma, 'route']), /192\.168\.115/);
  });
});

describe('tsnet lab: a second caller, kill -9, Ctrl-C', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());
  const FOUR = join(EXAMPLES, 'four-hosts.yaml');

  test('two `up` at the same moment: one makes the lab, the other finds it up', async () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const go = (): Promise<Run> => new Promise((resolve) => {
      const c = spawn(TSNET_BIN, ['lab', 'up', FOUR, '--name', name, '--root', root]);
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      c.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
    try {
      const [a, b] = await Promise.all([go(), go()]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.deepEqual([a.stdout, b.stdout].map((o) => /is up\n/.test(o) ? 'made' : /was already up/.test(o) ? 'found' : o).sort(), ['found', 'made']);
      assert.equal(tsnet(['lab', 'status', name, '--ping', '--root', root]).status, 0);
    } finally {
      ok(tsnet(['lab', 'down', name, '--root', root]));
    }
    assert.deepEqual(labNetns(`tsnet-${name}-`), []);
  });

  test('kill -9 in the middle of up: down removes all of it; up again finishes it', async () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const prefix = `tsnet-${name}-`;
    const c = spawn(TSNET_BIN, ['lab', 'up', FOUR, '--name', name, '--root', root], { stdio: 'ignore' });
    // Kill it once some of its node namespaces exist (it makes them all in one go, then wires them).
    for (let i = 0; i < 400 && labNetns(prefix).length < 20; i++) await new Promise((r) => setTimeout(r, 5));
    c.kill('SIGKILL');
    await new Promise((r) => c.on('close', r));
    assert.ok(labNetns(prefix).length > 0, 'it was killed half-way');
    const again = ok(tsnet(['lab', 'up', FOUR, '--name', name, '--root', root]));
    assert.match(again.stdout, /was left creating by an earlier command; finished it, it is up/);
    assert.equal(tsnet(['lab', 'status', name, '--ping', '--root', root]).status, 0, 'the second up finished what the first began');
    const c2 = spawn(TSNET_BIN, ['lab', 'down', name, '--root', root], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 30));
    c2.kill('SIGKILL');
    await new Promise((r) => c2.on('close', r));
    ok(tsnet(['lab', 'down', name, '--root', root]));
    assert.deepEqual(labNetns(prefix), [], 'down after a killed down removes the rest');
    assert.ok(!existsSync(join(root, 'labs', name)));
  });

  // The process sends itself the signal as the node phase starts (TSNET_SIGNAL_AT): the same
  // kill(2) and handler as a Ctrl-C from the terminal, at a moment that does not depend on timing.
  test('Ctrl-C during the first up: what it made is removed, exit 130, nothing left for gc', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const r = tsnet(['lab', 'up', FOUR, '--name', name, '--root', root], { env: { TSNET_TEST_HOOKS: '1', TSNET_SIGNAL_AT: 'lab-create:nodes=SIGINT' } });
    assert.equal(r.status, 130, r.stderr + r.stdout);
    assert.equal(r.stderr, 'tsnet: error: interrupted by SIGINT; what was done so far was rolled back\n');
    assert.deepEqual(labNetns(`tsnet-${name}-`), [], 'no namespace left');
    assert.ok(!existsSync(join(root, 'labs', name)), 'no record left');
    assert.equal(ok(tsnet(['gc', '--root', root])).stdout, 'nothing to clean up\n');
  });

  test('SIGTERM during a repairing up keeps the lab: the next up finishes it', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    try {
      ok(tsnet(['lab', 'up', FOUR, '--name', name, '--root', root]));
      sh(['ip', 'netns', 'del', `tsnet-${name}-h2n3`]); // something for the second up to repair
      const r = tsnet(['lab', 'up', FOUR, '--name', name, '--root', root], { env: { TSNET_TEST_HOOKS: '1', TSNET_SIGNAL_AT: 'lab-repair:nodes=SIGTERM' } });
      assert.equal(r.status, 143, r.stderr + r.stdout);
      assert.match(r.stderr, new RegExp(`interrupted by SIGTERM; lab ${name} is left part-done: tsnet lab up finishes it, tsnet lab down removes it`));
      assert.match(ok(tsnet(['lab', 'ls', '--root', root])).stdout, new RegExp(`${name}\\s+failed`));
      assert.match(ok(tsnet(['lab', 'up', FOUR, '--name', name, '--root', root])).stdout, /was left failed by an earlier command; finished it, it is up/);
      assert.equal(tsnet(['lab', 'status', name, '--ping', '--root', root]).status, 0);
    } finally {
      ok(tsnet(['lab', 'down', name, '--root', root]));
    }
    assert.deepEqual(labNetns(`tsnet-${name}-`), []);
  });

  test('kill -9 mid-up and nobody comes back: tsnet gc removes the half-made lab', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const r = tsnet(['lab', 'up', FOUR, '--name', name, '--root', root], { env: { TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'lab-create:nodes' } });
    assert.equal(r.status, 1, 'killed');
    assert.ok(labNetns(`tsnet-${name}-`).length > 0, 'it was killed half-way');
    const planned = ok(tsnet(['gc', '--root', root, '--dry-run'])).stdout;
    assert.equal(planned.match(new RegExp(`^would undo the interrupted lab-create of lab ${name} \\(stopped at step nodes\\)$`, 'gm'))?.length, 1, `said once: ${planned}`);
    assert.ok(labNetns(`tsnet-${name}-`).length > 0, 'a dry run removes nothing');
    assert.match(ok(tsnet(['gc', '--root', root])).stdout, new RegExp(`^undid the interrupted lab-create of lab ${name} \\(stopped at step nodes\\): removed it \\(25 namespaces\\)$`, 'm'));
    assert.deepEqual(labNetns(`tsnet-${name}-`), []);
    assert.ok(!existsSync(join(root, 'labs', name)));
    assert.equal(ok(tsnet(['gc', '--root', root])).stdout, 'nothing to clean up\n');
  });

  test('kill -9 mid-apply: tsnet gc carries the edit through (a node dropped, one added)', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const prefix = `tsnet-${name}-`;
    const edited = join(root, 'edited.yaml');
    writeFileSync(edited, readFileSync(FOUR, 'utf8').replace(/^  h1n1: .*\n/m, '').replace(/^(  h2n3: .*\n)/m, '$1  h2n6: { host: h2, attach: [br0 auto] }\n'));
    try {
      ok(tsnet(['lab', 'up', FOUR, '--name', name, '--root', root]));
      const r = tsnet(['lab', 'apply', edited, '--name', name, '--root', root], { env: { TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'lab-apply:remove-dropped' } });
      assert.equal(r.status, 1, 'killed');
      assert.match(ok(tsnet(['gc', '--root', root])).stdout, new RegExp(`^finished the interrupted lab-apply of lab ${name} \\(stopped at step remove-dropped\\): it is up as edited$`, 'm'));
      const names = labNetns(prefix);
      assert.ok(!names.includes(`${prefix}h1n1`) && names.includes(`${prefix}h2n6`), 'h1n1 removed, h2n6 made');
      assert.equal(tsnet(['lab', 'status', name, '--ping', '--root', root]).status, 0);
    } finally {
      ok(tsnet(['lab', 'down', name, '--root', root]));
    }
    assert.deepEqual(labNetns(prefix), []);
  });
});

describe('tsnet lab: the VXLAN variant, and its picture', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('br0 is one L2 segment across the hosts through VNI 42 (no routes for it), br1 is routed; graph -o writes SVG; down leaves nothing', () => {
    const root = t.tmpdir();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const prefix = `tsnet-${name}-`;
    const lab = (...args: string[]): Run => tsnet(['lab', ...args, '--root', root]);
    try {
      ok(lab('up', join(EXAMPLES, 'vxlan-two-hosts.yaml'), '--name', name));
      const rx = (): number => (JSON.parse(sh(['ip', '-n', `${prefix}hostA`, '-s', '-j', 'link', 'show', 'vx42'])) as Array<{ stats64: { rx: { packets: number } } }>)[0]!.stats64.rx.packets;
      const before = rx();
      for (const [from, ip] of [['web', '192.168.115.11'], ['db', '192.168.115.10'], ['web', '10.1.2.2'], ['db', '10.1.1.2']] as const) {
        assert.ok(independentPing(`${prefix}${from}`, ip), `${from} reaches ${ip}`);
      }
      assert.ok(rx() > before, 'the replies came in through the VXLAN device');
      // Bridged, not routed: web sees db's own MAC for db's br0 address, and no host routes 192.168.115.0/24.
      const dbMac = (JSON.parse(sh(['ip', '-n', `${prefix}db`, '-j', 'link', 'show', 'eth1'])) as Array<{ address: string }>)[0]!.address;
      assert.match(sh(['ip', '-n', `${prefix}web`, 'neigh', 'show', '192.168.115.11']), new RegExp(`lladdr ${dbMac}`));
      for (const h of ['hostA', 'hostB']) assert.doesNotMatch(sh(['ip', '-n', `${prefix}${h}`, 'route']), /192\.168\.115/);
      assert.match(sh(['ip', '-n', `${prefix}hostA`, '-d', 'link', 'show', 'vx42']), /vxlan id 42 local 10\.100\.0\.1 dev eth0/);
      assert.equal(lab('status', name, '--ping').status, 0);
      const svg = join(root, 'lab.svg');
      ok(lab('graph', name, '-o', svg));
      const text = readFileSync(svg, 'utf8');
      assert.match(text, /<svg /);
      for (const label of ['hostA', 'hostB', 'web', 'db', '192.168.115.10', 'rate 100mbit']) assert.ok(text.includes(label), `the picture shows ${label}`);
    } finally {
      ok(lab('down', name));
    }
    assert.deepEqual(labNetns(prefix), []);
  });
});
