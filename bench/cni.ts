/**
 * bench/cni — tsnet-cni against the CNI reference plugins on the same work (issue 14's
 * Speed section), in one run:
 *   1. ADD and DEL of one container: the reference bridge + host-local (ipMasq on) against
 *      tsnet-cni cold (a Node process per call, NODE_EXTRA_CA_CERTS set and unset, with
 *      `node -e 0` as its floor) and tsnet-cni warm (the native client forwarding to a
 *      running `tsnet daemon`); a fresh netns per iteration, the contenders interleaved;
 *   2. C concurrent ADDs (then DELs) of each, wall time, counting duplicate addresses.
 * The warm figures are also split: the daemon logs how long it spent on each request.
 * Medians (p10-p90) of --iterations runs; `uptime` load before and after. Everything lives in
 * tsnet-t-<random> namespaces, removed at the end (and on Ctrl-C). The timing loops run in
 * a process inside the "host" netns (this file again, --inner), so no contender pays for
 * `ip netns exec`.
 *
 *   npm run build && node dist/bench/cni.js [--iterations 15] [--concurrent 20] [--json]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cniAddress, cniInvocation, cniNetwork, CNI_BRIDGE, CNI_PATH, type CniNetwork } from './lib/cni.js';
import { startDaemon, stopDaemon } from './lib/daemon.js';
import { Sandbox } from './lib/sandbox.js';
import { round, run, summarize, timedRun, type Summary } from './lib/stats.js';

const REPO = resolve(__dirname, '..', '..');
const TSNET = join(REPO, 'bin', 'tsnet');
const TSNET_CNI = join(REPO, 'bin', 'tsnet-cni');

interface Plan {
  host: string; root: string; iterations: number; concurrent: number; ca: string;
  cni: CniNetwork; tsnetConf: string;
  guests: Record<'ref' | 'cold' | 'coldNoCa' | 'warm', string[]>;
  burst: Record<'ref' | 'cold' | 'warm', string[]>;
}
type Samples = Record<string, number[]>;
interface Burst { wallAddMs: number; wallDelMs: number; failed: number; duplicates: number }

const LABELS: Record<string, string> = {
  nodeCa: 'node -e 0 (CA set)', nodeNoCa: 'node -e 0 (CA unset)',
  refAdd: 'reference bridge+host-local ADD', refDel: 'reference bridge+host-local DEL',
  coldAdd: 'tsnet-cni ADD, cold Node (CA set)', coldDel: 'tsnet-cni DEL, cold Node (CA set)',
  coldNoCaAdd: 'tsnet-cni ADD, cold Node (CA unset)', coldNoCaDel: 'tsnet-cni DEL, cold Node (CA unset)',
  warmAdd: 'tsnet-cni ADD, client + daemon', warmDel: 'tsnet-cni DEL, client + daemon',
  servedAdd: '  of which in the daemon (its log)', servedDel: '  of which in the daemon (its log)',
};

function options(): { iterations: number; concurrent: number; json: boolean; inner?: string | undefined } {
  const { values } = parseArgs({ options: {
    iterations: { type: 'string', default: '15' }, concurrent: { type: 'string', default: '20' }, json: { type: 'boolean', default: false }, inner: { type: 'string' },
  } });
  const num = (k: 'iterations' | 'concurrent', max: number): number => {
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${k} ${String(values[k])}: a whole number 1-${max}`);
    return n;
  };
  return { iterations: num('iterations', 500), concurrent: num('concurrent', 200), json: values.json ?? false, inner: values.inner };
}

/** The env a runtime gives tsnet-cni (TSNET_ROOT lets the client find the daemon); CA set or not. */
function tsnetEnv(plan: Plan, command: string, guest: string, id: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${guest}`, CNI_IFNAME: 'eth0', CNI_PATH, TSNET_ROOT: plan.root, ...extra };
}

/** inner — the timing loops, run inside the host netns; prints { samples, bursts } as JSON. */
async function inner(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  const ca = { NODE_EXTRA_CA_CERTS: plan.ca };
  const modes = {
    cold: { TSNET_NO_DAEMON: '1', ...ca }, coldNoCa: { TSNET_NO_DAEMON: '1' }, warm: {},
  } as const;
  const s: Samples = {};
  const push = (k: string, ms: number): void => { (s[k] ??= []).push(ms); };
  const ref = (command: 'ADD' | 'DEL', g: string, id: string): ReturnType<typeof timedRun> => {
    const inv = cniInvocation(command, g, id, plan.cni);
    return timedRun([CNI_BRIDGE], inv);
  };
  const tsnet = (mode: keyof typeof modes, command: 'ADD' | 'DEL', g: string, id: string): ReturnType<typeof timedRun> =>
    timedRun([TSNET_CNI], { input: plan.tsnetConf, env: tsnetEnv(plan, command, g, id, modes[mode]) });
  // Warm-up (dropped): each contender's first ADD makes its bridge and firewall.
  for (const [i, mode] of (['ref', 'cold', 'coldNoCa', 'warm'] as const).entries()) {
    const g = plan.guests[mode][plan.iterations]!;
    const id = `warm${i}`;
    if (mode === 'ref') { cniAddress(ref('ADD', g, id).stdout); ref('DEL', g, id); } else { cniAddress(tsnet(mode, 'ADD', g, id).stdout); tsnet(mode, 'DEL', g, id); }
  }
  for (let i = 0; i < plan.iterations; i++) {
    push('nodeCa', timedRun([process.execPath, '-e', '0'], { env: { ...process.env, ...ca } }).ms);
    const noCa = { ...process.env };
    delete noCa['NODE_EXTRA_CA_CERTS'];
    push('nodeNoCa', timedRun([process.execPath, '-e', '0'], { env: noCa }).ms);
    const id = `bench${i}`;
    push('refAdd', ref('ADD', plan.guests.ref[i]!, id).ms);
    push('refDel', ref('DEL', plan.guests.ref[i]!, id).ms);
    for (const mode of ['cold', 'coldNoCa', 'warm'] as const) {
      push(`${mode}Add`, tsnet(mode, 'ADD', plan.guests[mode][i]!, id).ms);
      push(`${mode}Del`, tsnet(mode, 'DEL', plan.guests[mode][i]!, id).ms);
    }
  }
  const bursts: Record<string, Burst> = {};
  for (const mode of ['ref', 'cold', 'warm'] as const) {
    const call = (command: 'ADD' | 'DEL', g: string, i: number): Promise<{ ok: boolean; out: string }> => new Promise((res) => {
      const id = `burst${i}`;
      const [file, env, input] = mode === 'ref'
        ? [CNI_BRIDGE, cniInvocation(command, g, id, plan.cni).env, plan.cni.conf]
        : [TSNET_CNI, tsnetEnv(plan, command, g, id, modes[mode]), plan.tsnetConf];
      const child = spawn(file, [], { env });
      let out = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.on('close', (code) => res({ ok: code === 0, out }));
      child.stdin.end(input);
    });
    const t0 = performance.now();
    const adds = await Promise.all(plan.burst[mode].map((g, i) => call('ADD', g, i)));
    const t1 = performance.now();
    await Promise.all(plan.burst[mode].map((g, i) => call('DEL', g, i)));
    const t2 = performance.now();
    const addresses = adds.filter((a) => a.ok).map((a) => cniAddress(a.out));
    bursts[mode] = { wallAddMs: t1 - t0, wallDelMs: t2 - t1, failed: adds.filter((a) => !a.ok).length, duplicates: addresses.length - new Set(addresses).size };
  }
  process.stdout.write(JSON.stringify({ samples: s, bursts }));
}

async function main(): Promise<void> {
  const o = options();
  if (o.inner) return inner(o.inner);
  if (process.getuid?.() !== 0) throw new Error('needs root: it creates network namespaces (everything stays inside them)');
  for (const f of [TSNET, TSNET_CNI, CNI_BRIDGE]) if (!existsSync(f)) throw new Error(`${f} is missing; run npm run build (and install containernetworking-plugins)`);
  const uptimeBefore = run(['uptime']).trim();
  const started = Date.now();
  const box = new Sandbox();
  let daemon: ChildProcess | undefined;
  try {
    const host = box.netns('host');
    const root = box.tmpdir('root');
    const ca = process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt';
    if (!o.json) process.stderr.write(`bench: sandbox tsnet-t-${box.tag}-*: making namespaces\n`);
    const guests = (p: string, n: number): string[] => Array.from({ length: n }, (_, i) => box.netns(`${p}${i}`));
    const n = o.iterations + 1;
    const plan: Plan = {
      host, root, iterations: o.iterations, concurrent: o.concurrent, ca,
      cni: cniNetwork(host, box.tmpdir('cni'), { ipMasq: true }),
      tsnetConf: JSON.stringify({ cniVersion: '1.0.0', name: 'tsnetbench', type: 'tsnet', ipMasq: true, ipam: { type: 'tsnet', subnet: '10.94.0.0/16' } }),
      guests: { ref: guests('r', n), cold: guests('c', n), coldNoCa: guests('n', n), warm: guests('w', n) },
      burst: { ref: guests('br', o.concurrent), cold: guests('bc', o.concurrent), warm: guests('bw', o.concurrent) },
    };
    daemon = await startDaemon(TSNET, host, root);
    const planFile = join(box.tmpdir('plan'), 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    if (!o.json) process.stderr.write('bench: measuring (the loops run inside the host netns)\n');
    const out = timedRun(['nsenter', `--net=/run/netns/${host}`, '--', process.execPath, __filename, '--inner', planFile], { timeoutMs: 3_600_000 }).stdout;
    const { samples, bursts } = JSON.parse(out) as { samples: Samples; bursts: Record<string, Burst> };
    // The daemon's own time per request (its log): warm-up ADD and DEL, then ADD, DEL per iteration.
    const served = readFileSync(join(root, 'daemon.log'), 'utf8').split('\n').filter((l) => / tsnet-cni .*exit \d+ in /.test(l))
      .map((l) => Number(/exit \d+ in ([\d.]+) ms/.exec(l)![1])).slice(2, 2 + 2 * o.iterations);
    samples['servedAdd'] = served.filter((_, i) => i % 2 === 0);
    samples['servedDel'] = served.filter((_, i) => i % 2 === 1);
    const m: Record<string, Summary> = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    const ratio = (a: string, b: string): number => round(m[a]!.median / m[b]!.median);
    const report = {
      iterations: o.iterations, concurrent: o.concurrent,
      medians: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { label: LABELS[k], median: round(v.median), p10: round(v.p10), p90: round(v.p90) }])),
      ratios: {
        warmAddVsRef: ratio('warmAdd', 'refAdd'), warmDelVsRef: ratio('warmDel', 'refDel'),
        coldAddVsRef: ratio('coldAdd', 'refAdd'), coldDelVsRef: ratio('coldDel', 'refDel'),
        coldAddOverNode: round(m['coldAdd']!.median - m['nodeCa']!.median), coldNoCaAddOverNode: round(m['coldNoCaAdd']!.median - m['nodeNoCa']!.median),
      },
      target: 'warm ADD and DEL at most 0.3x the reference',
      met: ratio('warmAdd', 'refAdd') <= 0.3 && ratio('warmDel', 'refDel') <= 0.3,
      bursts: Object.fromEntries(Object.entries(bursts).map(([k, b]) => [k, { wallAddMs: round(b.wallAddMs), wallDelMs: round(b.wallDelMs), failed: b.failed, duplicates: b.duplicates }])),
      environment: { node: process.version, cpus: cpus().length, uptimeBefore, uptimeAfter: spawnSync('uptime', { encoding: 'utf8' }).stdout.trim(), loadavgAtEnd: loadavg().map(round), nodeExtraCaCerts: ca, wallSeconds: round((Date.now() - started) / 1000) },
    };
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
  } finally {
    await stopDaemon(daemon);
    box.cleanup();
  }
}

function render(r: { medians: Record<string, { label?: string | undefined; median: number; p10: number; p90: number }>; ratios: Record<string, number>; met: boolean; target: string; bursts: Record<string, { wallAddMs: number; wallDelMs: number; failed: number; duplicates: number }>; environment: Record<string, unknown>; iterations: number; concurrent: number }): string {
  const lines = [`bench/cni: medians of ${r.iterations} runs (ms; p10-p90)`];
  for (const v of Object.values(r.medians)) lines.push(`  ${(v.label ?? '').padEnd(42)} ${String(v.median).padStart(8)}  (${v.p10}-${v.p90})`);
  lines.push('ratios:');
  for (const [k, v] of Object.entries(r.ratios)) lines.push(`  ${k.padEnd(42)} ${v}`);
  lines.push(`target: ${r.target}: ${r.met ? 'met' : 'NOT met'}`);
  lines.push(`${r.concurrent} concurrent ADDs then DELs (wall ms):`);
  for (const [k, b] of Object.entries(r.bursts)) lines.push(`  ${k.padEnd(6)} ADD ${b.wallAddMs}  DEL ${b.wallDelMs}  failed ${b.failed}  duplicate addresses ${b.duplicates}`);
  lines.push(`environment: ${JSON.stringify(r.environment)}`);
  return `${lines.join('\n')}\n`;
}

main().catch((e: Error) => {
  process.stderr.write(`bench/cni: ${e.message}\n`);
  process.exit(1);
});
