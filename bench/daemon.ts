/**
 * bench/daemon — the figures of the daemon issue's Speed section, in one run, with the
 * anchors measured alongside:
 *   1. `tsnet --version` through the client (daemon warm) against the direct Node CLI and
 *      `node -e 0`, and the spawn floor (/bin/true timed the same way);
 *   2. attach and detach through the client against the CNI bridge plugin's ADD/DEL
 *      (host-local IPAM, ipMasq on) and against the direct CLI; a fresh guest each time;
 *   3. one publish of 1000 mappings through the client against 1000 `iptables -t nat -A`;
 *   4. 30 attaches started at once through the client against 30 cold CLI processes;
 *   5. the daemon's RSS, heap, open files and event-loop resources with 1000 attachments,
 *      and after 10% and 100% of 1000 attach/detach cycles.
 * Node-process figures are given with NODE_EXTRA_CA_CERTS set (the machine's value, or the
 * system bundle) and unset; the client path starts no Node, so it has one figure.
 * Everything lives in tsnet-t-<random> namespaces, removed at the end (and on Ctrl-C).
 * The timing loops run inside the host netns (bench/daemon-driver.ts), so no contender pays
 * `ip netns exec`.
 *
 *   npm run build && node dist/bench/daemon.js [--iterations 20] [--mappings 1000]
 *     [--concurrent 30] [--attachments 1000] [--cycles 1000] [--json]
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DriverPlan, Samples } from './daemon-driver.js';
import { cniNetwork } from './lib/cni.js';
import { IPTABLES_DNAT, perRule } from './lib/per-rule.js';
import { startDaemon, stopDaemon } from './lib/daemon.js';
import { Sandbox } from './lib/sandbox.js';
import { round, roundSummary, run, summarize, timedRun } from './lib/stats.js';

const REPO = resolve(__dirname, '..', '..');
const TSNET = join(REPO, 'bin', 'tsnet');
const DRIVER = join(__dirname, 'daemon-driver.js');
const SUBNET = '10.90.0.0/16';

const LABELS: Record<string, string> = {
  floor: 'spawn floor (/bin/true)',
  versionClient: 'tsnet --version, client + daemon',
  versionDirectCa: 'tsnet --version, direct (CA set)',
  versionDirectNoCa: 'tsnet --version, direct (CA unset)',
  nodeCa: 'node -e 0 (CA set)',
  nodeNoCa: 'node -e 0 (CA unset)',
  attachClient: 'attach, client + daemon',
  detachClient: 'detach, client + daemon',
  cniAdd: 'CNI bridge ADD (ipMasq on)',
  cniDel: 'CNI bridge DEL (ipMasq on)',
  attachDirectCa: 'attach, direct CLI (CA set)',
  detachDirectCa: 'detach, direct CLI (CA set)',
  attachDirectNoCa: 'attach, direct CLI (CA unset)',
  detachDirectNoCa: 'detach, direct CLI (CA unset)',
  publishClient: 'publish N mappings, client + daemon',
  publishDirectCa: 'publish N mappings, direct CLI (CA set)',
  publishDirectNoCa: 'publish N mappings, direct CLI (CA unset)',
  iptablesA: 'N x iptables -t nat -A',
  concurrentClient: 'C attaches at once, client + daemon (wall)',
  concurrentDirectCa: 'C attaches at once, cold CLI (CA set, wall)',
  concurrentDirectNoCa: 'C attaches at once, cold CLI (CA unset, wall)',
};

interface MemoryPoint { rssBytes: number; heapUsedBytes: number; openFds: number; activeResources: number }
interface DriverResult { samples: Samples; memory: { before: MemoryPoint; loaded: MemoryPoint; attachments: number; cycles: Array<{ cycle: number } & MemoryPoint> } }

function options(): { iterations: number; mappings: number; concurrent: number; reps: number; attachments: number; cycles: number; json: boolean } {
  const { values } = parseArgs({ options: {
    iterations: { type: 'string', default: '20' }, mappings: { type: 'string', default: '1000' }, concurrent: { type: 'string', default: '30' },
    reps: { type: 'string', default: '3' }, attachments: { type: 'string', default: '1000' }, cycles: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
  } });
  const num = (k: keyof typeof values, min: number, max: number): number => {
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${k} ${String(values[k])}: a whole number ${min}-${max}`);
    return n;
  };
  return { iterations: num('iterations', 1, 1000), mappings: num('mappings', 1, 5000), concurrent: num('concurrent', 1, 200), reps: num('reps', 1, 20),
    attachments: num('attachments', 1, 5000), cycles: num('cycles', 10, 100000), json: values.json ?? false };
}

function caEnvs(): { envCa: NodeJS.ProcessEnv; envNoCa: NodeJS.ProcessEnv; ca: string } {
  const ca = process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt';
  const envNoCa = { ...process.env };
  delete envNoCa['NODE_EXTRA_CA_CERTS'];
  return { envCa: { ...process.env, NODE_EXTRA_CA_CERTS: ca }, envNoCa, ca };
}

async function main(): Promise<void> {
  const o = options();
  if (process.getuid?.() !== 0) throw new Error('needs root: it creates network namespaces (everything stays inside them)');
  for (const f of [TSNET, DRIVER]) if (!existsSync(f)) throw new Error(`${f} is missing; run npm run build first`);
  const started = Date.now();
  const box = new Sandbox();
  let daemon: ChildProcess | undefined;
  try {
    const { envCa, envNoCa, ca } = caEnvs();
    const host = box.netns('host');
    const root = box.tmpdir('root');
    if (!o.json) process.stderr.write(`bench: sandbox tsnet-t-${box.tag}-*: making namespaces\n`);
    run(['ip', 'netns', 'exec', host, TSNET, 'network', 'create', 'benchnet', '--subnet', SUBNET, '--root', root], { env: { ...envCa, TSNET_NO_DAEMON: '1' } });
    const cni = cniNetwork(host, box.tmpdir('cni'), { ipMasq: true });
    const guests = (p: string, n: number): string[] => Array.from({ length: n }, (_, i) => box.netns(`${p}${i}`));
    const plan: DriverPlan = {
      tsnet: TSNET, root, network: 'benchnet', cni, envCa, envNoCa, iterations: o.iterations,
      guests: { client: guests('a', o.iterations + 1), cni: guests('c', o.iterations + 1), directCa: guests('d', o.iterations + 1), directNoCa: guests('e', o.iterations + 1) },
      publishGuest: box.netns('pub'), mappings: o.mappings, publishReps: o.reps,
      concurrent: {
        client: Array.from({ length: o.reps }, (_, r) => guests(`k${r}x`, o.concurrent)),
        directCa: Array.from({ length: o.reps }, (_, r) => guests(`l${r}x`, o.concurrent)),
        directNoCa: Array.from({ length: o.reps }, (_, r) => guests(`m${r}x`, o.concurrent)),
      },
      memoryGuests: guests('r', o.attachments), cycles: o.cycles,
    };
    // The daemon: started as a user would, in the host netns, for the bench's root.
    daemon = await startDaemon(TSNET, host, root, envCa);
    run(['ip', 'netns', 'exec', host, TSNET, 'attach', 'benchnet', plan.publishGuest, '--root', root]);
    const planFile = join(box.tmpdir('plan'), 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    if (!o.json) process.stderr.write('bench: measuring (the driver runs inside the host netns)\n');
    const driven = JSON.parse(timedRun(['ip', 'netns', 'exec', host, process.execPath, DRIVER, planFile], { timeoutMs: 3_600_000 }).stdout) as DriverResult;
    const iptA: number[] = [];
    for (let r = 0; r < o.reps; r++) iptA.push(perRule(box, `ipt${r}`, o.mappings, [], IPTABLES_DNAT));
    const samples: Samples = { ...driven.samples, iptablesA: iptA };
    const report = buildReport(o, samples, driven.memory, {
      node: process.version, cpus: cpus().length, loadavgAtEnd: loadavg().map(round), wallSeconds: round((Date.now() - started) / 1000), nodeExtraCaCerts: ca,
    });
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
  } finally {
    await stopDaemon(daemon);
    box.cleanup();
  }
}

interface Derived { label: string; value: number; unit: 'ms' | 'x' | 'MiB' | ''; target?: string; met?: boolean }

function buildReport(o: ReturnType<typeof options>, samples: Samples, memory: DriverResult['memory'], environment: Record<string, unknown>): {
  options: typeof o; environment: Record<string, unknown>; metrics: Record<string, { label: string; summary: ReturnType<typeof roundSummary> }>; derived: Derived[]; memory: DriverResult['memory'];
} {
  const med = (k: string): number => summarize(samples[k] ?? []).median;
  const mib = (b: number): number => b / 1048576;
  const first = memory.cycles[0]!;
  const last = memory.cycles[memory.cycles.length - 1]!;
  const d = (label: string, value: number, unit: Derived['unit'], target?: string, met?: boolean): Derived => ({ label, value, unit, ...(target ? { target, met } : {}) });
  const derived: Derived[] = [
    d('attach: client+daemon / CNI ADD', med('attachClient') / med('cniAdd'), 'x', '<= 0.2', med('attachClient') / med('cniAdd') <= 0.2),
    d('detach: client+daemon / CNI DEL', med('detachClient') / med('cniDel'), 'x', '<= 0.2', med('detachClient') / med('cniDel') <= 0.2),
    d('attach: client+daemon / direct CLI (CA set)', med('attachClient') / med('attachDirectCa'), 'x'),
    d('--version through the client', med('versionClient'), 'ms', '< 3 ms', med('versionClient') < 3),
    d('--version through the client - spawn floor', med('versionClient') - med('floor'), 'ms'),
    d(`publish ${o.mappings} mappings: client+daemon / ${o.mappings} x iptables -A`, med('publishClient') / med('iptablesA'), 'x', '<= 0.02', med('publishClient') / med('iptablesA') <= 0.02),
    d(`publish: direct CLI (CA set) / ${o.mappings} x iptables -A`, med('publishDirectCa') / med('iptablesA'), 'x'),
    d(`publish: direct CLI (CA unset) / ${o.mappings} x iptables -A`, med('publishDirectNoCa') / med('iptablesA'), 'x'),
    d(`${o.concurrent} attaches at once: client / cold CLI (CA set)`, med('concurrentClient') / med('concurrentDirectCa'), 'x', '<= 0.3', med('concurrentClient') / med('concurrentDirectCa') <= 0.3),
    d(`${o.concurrent} attaches at once: client / cold CLI (CA unset)`, med('concurrentClient') / med('concurrentDirectNoCa'), 'x', '<= 0.3', med('concurrentClient') / med('concurrentDirectNoCa') <= 0.3),
    d(`daemon RSS with ${memory.attachments} attachments`, mib(memory.loaded.rssBytes), 'MiB', '< 150 MiB', mib(memory.loaded.rssBytes) < 150),
    d(`RSS growth, cycle ${first.cycle} -> ${last.cycle}`, mib(last.rssBytes - first.rssBytes), 'MiB'),
    d(`heap growth, cycle ${first.cycle} -> ${last.cycle}`, mib(last.heapUsedBytes - first.heapUsedBytes), 'MiB'),
    d(`open files, cycle ${first.cycle} -> ${last.cycle}`, last.openFds - first.openFds, '', '0', last.openFds === first.openFds),
    d(`event-loop resources, cycle ${first.cycle} -> ${last.cycle}`, last.activeResources - first.activeResources, '', '0', last.activeResources === first.activeResources),
  ];
  const metrics: Record<string, { label: string; summary: ReturnType<typeof roundSummary> }> = {};
  for (const [k, label] of Object.entries(LABELS)) if (samples[k]) metrics[k] = { label: label.replace(/\bN\b/, String(o.mappings)).replace(/\bC\b/, String(o.concurrent)), summary: roundSummary(summarize(samples[k]!)) };
  return { options: o, environment, metrics, derived: derived.map((x) => ({ ...x, value: x.unit === 'x' ? Math.round(x.value * 1000) / 1000 : round(x.value) })), memory };
}

function render(r: ReturnType<typeof buildReport>): string {
  const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const width = Math.max(...Object.values(r.metrics).map((m) => m.label.length));
  const head = `${'what'.padEnd(width)}  ${['median', 'p10', 'p90', 'min', 'max'].map((h) => h.padStart(8)).join('')}     n`;
  const lines = [`tsnet daemon benchmark: times in ms (wall clock), load ${JSON.stringify(r.environment['loadavgAtEnd'])}, NODE_EXTRA_CA_CERTS=${String(r.environment['nodeExtraCaCerts'])} when "CA set"`, '', head, '-'.repeat(head.length)];
  for (const m of Object.values(r.metrics)) {
    const s = m.summary;
    lines.push(`${m.label.padEnd(width)}  ${[s.median, s.p10, s.p90, s.min, s.max].map((x) => fmt(x).padStart(8)).join('')}  ${String(s.n).padStart(4)}`);
  }
  lines.push('', 'derived (from medians):');
  const dw = Math.max(...r.derived.map((x) => x.label.length));
  for (const x of r.derived) {
    const value = x.unit === 'x' ? `${x.value.toFixed(3)}x` : `${fmt(x.value)}${x.unit ? ` ${x.unit}` : ''}`;
    lines.push(`  ${x.label.padEnd(dw)}  ${value.padStart(10)}${x.target ? `  target ${x.target}: ${x.met ? 'met' : 'MISSED'}` : ''}`);
  }
  const mem = r.memory;
  lines.push('', `daemon memory: before ${fmt(mem.before.rssBytes / 1048576)} MiB RSS; with ${mem.attachments} attachments ${fmt(mem.loaded.rssBytes / 1048576)} MiB RSS, ${mem.loaded.openFds} files;`
    + ` cycles: ${mem.cycles.map((c) => `#${c.cycle} ${fmt(c.rssBytes / 1048576)} MiB RSS, heap ${fmt(c.heapUsedBytes / 1048576)} MiB, ${c.openFds} files, ${c.activeResources} resources`).join('; ')}`);
  lines.push('note: the client path starts no Node, so NODE_EXTRA_CA_CERTS does not change it; the daemon itself was started with it set.');
  lines.push('note: in-process attach/detach against the kernel\'s own veth deletion: node dist/bench/attach.js');
  return `${lines.join('\n')}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/daemon: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
