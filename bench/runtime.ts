/**
 * bench/runtime — starting a container that runs `true`, tsnet against crun and podman, in
 * one run, with the same busybox rootfs, inside a simulated host netns:
 *   helper alone:  tsnet-init spawned with a prepared config (overlay rootfs, new netns,
 *                  cgroups made and removed around it) until it exits, in-process
 *                  vs `crun run` of an OCI bundle (`crun spec`, args ["true"])   target ≤ 1.5×
 *   whole CLI:     `tsnet run --rm --network none busybox true` (NODE_EXTRA_CA_CERTS set
 *                  and unset) vs `podman run --rm --network none` (its own --root/--runroot,
 *                  cgroupfs manager)                                              target ≤ 0.4×
 *                  and served by `tsnet daemon` (the native client forwards it; the
 *                  container's output comes back through the daemon)
 *   networking:    `tsnet run --rm busybox true` on the default bridge, minus --network none
 * crun 1.8.1 refuses this machine's hybrid cgroups (baselines.md), so everything runs in a
 * private mount namespace with /sys/fs/cgroup/unified unmounted (cgroup v1 only), crun and
 * podman with cgroups as that allows; podman's ulimits are lowered because this root lacks
 * CAP_SYS_RESOURCE. One untimed warm-up round, then rounds interleaved (200 ms apart: the
 * kernel frees namespaces asynchronously); medians reported.
 *
 * `--leaks [N]`: N (200) `tsnet run --rm -p 80 --network NET` cycles on a user-created
 * network (embedded DNS on, its keeper kept up by one long-running container), and the
 * growth of mounts under the root, netns pins, cgroups and the processes in them, links and
 * rules of the host netns, the lease keeper's open fds and rows between before and after —
 * every figure should be 0. Only what this root makes is counted: the machine is shared.
 *
 * Usage: npm run build && node dist/bench/runtime.js [--reps N] [--json] [--leaks [N]]
 */
import * as fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import Database from 'better-sqlite3';
import { Sandbox } from './lib/sandbox.js';
import { round, summarize, timedRun, type Summary } from './lib/stats.js';
import { busyboxTar } from '../test/helpers/busybox.js';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');

interface Setup { host: string; root: string; bundle: string; crunRoot: string; podman: string[]; tar: string }

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    leaks: { type: 'string' },
    inner: { type: 'string' },
  },
  allowPositionals: true,
  strict: false,
});

function sh(argv: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** outer — makes the sandbox and the images, then runs the timings inside a private mount namespace. */
function outer(): void {
  const sb = new Sandbox();
  try {
    const host = sb.netns('host');
    const work = sb.tmpdir('runtime');
    const tar = join(work, 'busybox.tar');
    busyboxTar(work, tar);
    const root = join(work, 'tsnet-root');
    sh([TSNET, 'import', '--root', root, tar, 'busybox:latest']);
    const bundle = join(work, 'bundle');
    fs.mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    sh(['tar', '-xf', tar, '-C', join(bundle, 'rootfs')]);
    spawnSync('crun', ['spec'], { cwd: bundle });
    const spec = JSON.parse(fs.readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean }; root: { readonly: boolean } };
    spec.process.args = ['/bin/true'];
    spec.process.terminal = false;
    spec.root.readonly = false;
    fs.writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const p = join(work, 'podman');
    const podman = ['podman', '--root', join(p, 'root'), '--runroot', join(p, 'run'), '--tmpdir', join(p, 'tmp'), '--cgroup-manager=cgroupfs', '--events-backend=file'];
    sh([...podman, 'import', tar, 'localhost/bench-busybox:latest']);
    const setup: Setup = { host, root, bundle, crunRoot: join(work, 'crun'), podman, tar };
    const inner = spawnSync('nsenter', [`--net=/run/netns/${host}`, 'unshare', '--mount', '--propagation', 'private', '--',
      process.execPath, process.argv[1]!, '--inner', JSON.stringify(setup), ...process.argv.slice(2)], { stdio: 'inherit' });
    spawnSync(TSNET, ['ps', '-aq', '--root', root], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
      .forEach((id) => spawnSync('nsenter', [`--net=/run/netns/${host}`, TSNET, 'rm', '-f', '--root', root, id]));
    spawnSync('nsenter', [`--net=/run/netns/${host}`, ...podman, 'rm', '-af'], { stdio: 'ignore' });
    spawnSync('nsenter', [`--net=/run/netns/${host}`, ...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    process.exitCode = inner.status ?? 1;
  } finally {
    sb.dispose();
  }
}

let helperState: { ctx: import('../src/engine/context.js').EngineContext; run: () => Promise<number> } | undefined;

/**
 * helperAlone — one tsnet-init run of `true` as a start makes it: cgroups made, the helper
 * spawned with the container's config (overlay rootfs, a new netns), "go", its exit, the
 * cgroups removed. The engine is opened once, as in the daemon; the CLI rows cover the rest.
 */
async function helperAlone(root: string): Promise<number> {
  if (!helperState) {
    const { EngineContext } = await import('../src/engine/context.js');
    const { createContainer, storedConfig } = await import('../src/runtime/create.js');
    const { createCgroups, removeCgroups } = await import('../src/runtime/cgroups.js');
    const { Helper } = await import('../src/runtime/helper.js');
    const { runEntries } = await import('../src/runtime/helper-config.js');
    const { launchPlan } = await import('../src/runtime/launch-plan.js');
    const { containerPaths } = await import('../src/runtime/paths.js');
    const ctx = new EngineContext({ root });
    const c = ctx.containers.byName('bench-helper') ?? await createContainer(ctx, { image: 'busybox', name: 'bench-helper', cmd: ['true'], networkMode: { kind: 'none' } });
    const paths = containerPaths(root, c.id);
    for (const f of [paths.hosts, paths.hostname, paths.resolv]) if (!fs.existsSync(f)) fs.writeFileSync(f, '');
    const rootId = ctx.rootId;
    helperState = {
      ctx,
      run: async () => {
        const t0 = process.hrtime.bigint();
        const cgroups = createCgroups(rootId, c.id, {});
        const plan = launchPlan({ config: storedConfig(c), paths, etc: paths, hostname: 'bench', net: { kind: 'new' }, cgroups, detach: false, hook: [] });
        const t1 = process.hrtime.bigint();
        const h = new Helper(runEntries(plan), { foreground: false, stdin: false });
        await h.next('ready');
        const t2 = process.hrtime.bigint();
        h.go();
        const exit = await h.next('exit');
        const t3 = process.hrtime.bigint();
        await h.wait();
        const t4 = process.hrtime.bigint();
        removeCgroups(cgroups);
        if (process.env['BENCH_TRACE']) console.error([t0, t1, t2, t3, t4, process.hrtime.bigint()].slice(1).map((t, i) => (Number(t - [t0, t1, t2, t3, t4][i]!) / 1e6).toFixed(1)).join(' '));
        if (exit.exitCode !== 0) throw new Error(`true exited ${exit.exitCode}`);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      },
    };
  }
  return helperState.run();
}

async function inner(setup: Setup): Promise<void> {
  spawnSync('umount', ['/sys/fs/cgroup/unified']); // crun refuses the hybrid layout (baselines.md)
  if (args.leaks !== undefined) { await leaks(setup, Number(args.leaks || 200)); return; }
  const reps = Number(args.reps);
  const withCa = { ...process.env, TSNET_NO_DAEMON: '1' };
  const noCa: NodeJS.ProcessEnv = { ...withCa };
  delete noCa['NODE_EXTRA_CA_CERTS'];
  const tsnet = (extra: string[], env: NodeJS.ProcessEnv) => (): number => timedRun([TSNET, 'run', '--root', setup.root, '--rm', ...extra, 'busybox', 'true'], { env }).ms;
  sh([TSNET, 'init', '--root', setup.root]);
  const daemon = startDaemon(setup.root);
  let n = 0;
  const variants: Array<[string, () => number | Promise<number>]> = [
    ['tsnet-init alone (helper to exit)', () => helperAlone(setup.root)],
    ['crun run (bundle, true)', () => timedRun(['crun', '--root', setup.crunRoot, 'run', '--bundle', setup.bundle, `bench-${process.pid}-${n++}`]).ms],
    ['tsnet run --rm --network none (CLI)', tsnet(['--network', 'none'], withCa)],
    ['  same, NODE_EXTRA_CA_CERTS unset', tsnet(['--network', 'none'], noCa)],
    ['  same, served by tsnet daemon', () => timedRun([TSNET, 'run', '--root', setup.root, '--rm', '--network', 'none', 'busybox', 'true'], { env: { ...withCa, TSNET_NO_DAEMON: '' } }).ms],
    ['podman run --rm --network none', () => timedRun([...setup.podman, 'run', '--rm', '--pull', 'never', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', 'localhost/bench-busybox:latest', 'true']).ms],
    ['tsnet run --rm (default bridge)', tsnet([], withCa)],
    ['  same, NODE_EXTRA_CA_CERTS unset', tsnet([], noCa)],
    ['  same, served by tsnet daemon', () => timedRun([TSNET, 'run', '--root', setup.root, '--rm', 'busybox', 'true'], { env: { ...withCa, TSNET_NO_DAEMON: '' } }).ms],
    ['node -e 0', () => timedRun([process.execPath, '-e', '0'], { env: withCa }).ms],
  ];
  const samples = variants.map(() => [] as number[]);
  for (let round_ = -1; round_ < reps; round_++) {
    for (const [i, [, fn]] of variants.entries()) {
      // The kernel tears namespaces down asynchronously: let the last run's finish first,
      // so no variant pays for the one before it.
      await new Promise((r) => setTimeout(r, 200));
      const ms = await fn();
      if (round_ >= 0) samples[i]!.push(ms);
    }
  }
  const s = samples.map(summarize);
  const med = (i: number): number => s[i]!.median;
  const derived: Array<{ label: string; value: number; unit: 'x' | 'ms'; target?: string }> = [
    { label: 'tsnet-init / crun run', value: med(0) / med(1), unit: 'x', target: '≤ 1.5' },
    { label: 'tsnet run --network none / podman run', value: med(2) / med(5), unit: 'x', target: '≤ 0.4' },
    { label: '  same, NODE_EXTRA_CA_CERTS unset', value: med(3) / med(5), unit: 'x', target: '≤ 0.4' },
    { label: '  same, served by tsnet daemon', value: med(4) / med(5), unit: 'x', target: '≤ 0.4' },
    { label: 'bridge networking, extra (CLI)', value: med(6) - med(2), unit: 'ms' },
    { label: '  same, NODE_EXTRA_CA_CERTS unset', value: med(7) - med(3), unit: 'ms' },
    { label: '  same, served by tsnet daemon', value: med(8) - med(4), unit: 'ms' },
  ];
  process.kill(daemon, 'SIGTERM');
  helperState?.ctx.close();
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ loadavg: loadavg(), reps, results: variants.map(([label], i) => ({ label, ...roundAll(s[i]!) })), derived: derived.map((d) => ({ ...d, value: round(d.value) })) }, null, 2)}\n`);
    return;
  }
  console.log(`runtime bench: ${reps} rounds (+1 warm-up), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${'what'.padEnd(40)} ${'median'.padStart(9)} ${'p10'.padStart(9)} ${'p90'.padStart(9)}`);
  variants.forEach(([label], i) => console.log(`${label.padEnd(40)} ${ms(s[i]!.median)} ${ms(s[i]!.p10)} ${ms(s[i]!.p90)}`));
  console.log('');
  for (const d of derived) console.log(`${d.label.padEnd(40)} ${d.unit === 'ms' ? ms(d.value) : `${d.value.toFixed(2)}×`.padStart(9)}${d.target ? `   target ${d.target}${d.value <= Number(d.target.slice(2)) ? ' met' : ' NOT met'}` : ''}`);
}

/** startDaemon — `tsnet daemon` for the root, here (this netns and mount namespace); its pid once it listens. */
function startDaemon(root: string): number {
  const child = spawn(TSNET, ['daemon', '--root', root], { stdio: 'ignore', detached: true });
  child.unref();
  const deadline = Date.now() + 15000;
  while (spawnSync(TSNET, ['ps', '--root', root, '--debug'], { encoding: 'utf8' }).stderr.indexOf('daemon path') < 0) {
    if (Date.now() > deadline) throw new Error('tsnet daemon did not start');
    spawnSync('sleep', ['0.1']);
  }
  return child.pid!;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`.padStart(9);
const roundAll = (x: Summary): Summary => ({ n: x.n, median: round(x.median), p10: round(x.p10), p90: round(x.p90), min: round(x.min), max: round(x.max) });

/** counts — what a run could leak, as numbers. */
function counts(setup: Setup): Record<string, number> {
  const db = new Database(join(setup.root, 'state.db'), { readonly: true });
  const rootId = (db.prepare("SELECT value FROM meta WHERE key = 'root_id'").get() as { value: string }).value;
  const rows = (t: string): number => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  const keeper = db.prepare('SELECT pid FROM dhcp_keeper').get() as { pid: number } | undefined;
  const cg = fs.readdirSync('/sys/fs/cgroup').reduce((n, h) => {
    const d = join('/sys/fs/cgroup', h, 'tsnet', rootId);
    return n + (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).length : 0);
  }, 0);
  // This runs in a private mount namespace: other tenants' new mounts never show in its
  // mountinfo (their removals can), so mounts under the root and netns pins seen here are ours.
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
  const procs = fs.readdirSync('/sys/fs/cgroup').reduce((n, h) => {
    const d = join('/sys/fs/cgroup', h, 'tsnet', rootId);
    if (!fs.existsSync(d)) return n;
    const ids = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory());
    return Math.max(n, ids.reduce((k, e) => k + fs.readFileSync(join(d, e.name, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).length, 0));
  }, 0);
  const out = {
    'mounts (root)': points.filter((p) => p.startsWith(`${setup.root}/`)).length,
    cgroups: cg,
    'netns pins': points.filter((p) => p.startsWith('/run/netns/tsnet-') && !p.startsWith('/run/netns/tsnet-t-')).length,
    'container procs': procs,
    links: sh(['ip', '-o', 'link']).split('\n').filter(Boolean).length,
    rules: sh(['iptables-save']).split('\n').filter((l) => l.startsWith('-A')).length + sh(['nft', 'list', 'ruleset']).split('\n').length,
    'keeper fds': keeper && fs.existsSync(`/proc/${keeper.pid}/fd`) ? fs.readdirSync(`/proc/${keeper.pid}/fd`).length : 0,
    rows: ['containers', 'container_networks', 'attachments', 'attachment_addresses', 'ports', 'intents'].reduce((n, t) => n + rows(t), 0),
  };
  db.close();
  return out;
}

async function leaks(setup: Setup, cycles: number): Promise<void> {
  const env = { ...process.env, TSNET_NO_DAEMON: '1' };
  sh([TSNET, 'network', 'create', '--root', setup.root, 'leaknet', '--subnet', '10.251.0.0/24'], env);
  // One run first: what a first run makes once (the network's chains) is not a leak. A
  // container stays up throughout, so the lease keeper (the embedded DNS) lives through
  // every cycle and its fds are counted.
  sh([TSNET, 'run', '--root', setup.root, '-d', '--name', 'anchor', '--network', 'leaknet', 'busybox', 'sleep', '3600'], env);
  sh([TSNET, 'run', '--root', setup.root, '--rm', '-p', '80', '--network', 'leaknet', 'busybox', 'true'], env);
  await new Promise((r) => setTimeout(r, 3000));
  const before = counts(setup);
  const t0 = Date.now();
  for (let i = 0; i < cycles; i++) sh([TSNET, 'run', '--root', setup.root, '--rm', '-p', '80', '--network', 'leaknet', 'busybox', 'true'], env);
  await new Promise((r) => setTimeout(r, 3000)); // the keeper's next poll lets go of the last netns
  const after = counts(setup);
  console.log(`leak check: ${cycles} × tsnet run --rm -p 80 --network leaknet busybox true in ${((Date.now() - t0) / 1000).toFixed(0)} s, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${'what'.padEnd(16)} ${'before'.padStart(8)} ${'after'.padStart(8)} ${'growth'.padStart(8)}`);
  for (const k of Object.keys(before)) console.log(`${k.padEnd(16)} ${String(before[k]).padStart(8)} ${String(after[k]).padStart(8)} ${String(after[k]! - before[k]!).padStart(8)}`);
  const grew = Object.keys(before).filter((k) => after[k]! > before[k]!);
  console.log(grew.length === 0 ? 'no growth' : `GROWTH in ${grew.join(', ')}`);
  sh([TSNET, 'rm', '-f', '--root', setup.root, 'anchor'], env);
  sh([TSNET, 'network', 'rm', '--root', setup.root, 'leaknet'], env);
}

if (args.inner !== undefined) inner(JSON.parse(String(args.inner)) as Setup).catch((e) => { console.error(e); process.exitCode = 1; });
else outer();
