/**
 * lab — what `tsnet lab up` and `down` cost for bare-namespace labs of 4 hosts × 5 nodes and
 * 8 × 10, per node, against the in-process attach the lab is built from (measured in the
 * same run). Each host has one routed /24 with its nodes; all hosts share one underlay
 * switch, so every node should reach every other. Reported:
 *  - in-process up and down (the lab's own work, one process, nodes in parallel), per node,
 *    and the flatness ratio 8×10 per-node / 4×5 per-node (target ≤ 1.2);
 *  - the CLI as users run it: `tsnet lab up` + `tsnet lab status --ping` (every pair checked;
 *    target for 8×10: under 10 s), with NODE_EXTRA_CA_CERTS as set here and unset, both;
 *  - in-process attach() into a simulated host (the per-node floor of a lab).
 * Medians of --runs (default 3). Namespaces: tsnet-t-<random>-*, removed even on failure.
 *
 *   node dist/bench/lab.js [--runs N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { round, summarize } from './lib/stats.js';

const BIN = join(__dirname, '..', '..', 'bin', 'tsnet');
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function labYaml(name: string, hosts: number, nodes: number, containers = false): string {
  const lines = [`name: ${name}`, 'hosts:'];
  for (let h = 1; h <= hosts; h++) lines.push(`  h${h}:`, `    underlay: 10.100.0.${h}/24`, '    networks:', `      br0: { subnet: 10.10.${h}.0/24 }`);
  lines.push('nodes:');
  const kind = containers ? 'image: busybox, cmd: [sleep, "1000000"], ' : '';
  for (let h = 1; h <= hosts; h++) for (let n = 1; n <= nodes; n++) lines.push(`  h${h}n${n}: { host: h${h}, ${kind}attach: [br0 auto] }`);
  lines.push('links:', '  - name: lan', '    type: switch', `    hosts: [${Array.from({ length: hosts }, (_, i) => `h${i + 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

function leftovers(prefix: string): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

function cleanup(prefix: string): void {
  const names = leftovers(prefix);
  if (names.length) spawnSync('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}\n`).join('') });
}

/** measureContainers — the same lab with busybox container nodes, in-process up and down. */
async function measureContainers(hosts: number, perHost: number, runs: number, work: string): Promise<{ hosts: number; nodes: number; upMs: number[]; downMs: number[]; failures: number[] }> {
  /* tsnet-lint-disable no-require -- loaded only by the measurement that uses it */
  const lab = require('../src/lab/lab.js') as typeof import('../src/lab/lab.js');
  const { reachMatrix } = require('../src/lab/probe.js') as typeof import('../src/lab/probe.js');
  const { busyboxTar } = require('../test/helpers/busybox.js') as typeof import('../test/helpers/busybox.js');
  /* tsnet-lint-enable no-require */
  const r = { hosts, nodes: hosts * perHost, upMs: [] as number[], downMs: [] as number[], failures: [] as number[] };
  const root = join(work, `root-containers-${hosts}x${perHost}`);
  busyboxTar(work, join(work, 'busybox.tar'));
  const imp = spawnSync(BIN, ['import', join(work, 'busybox.tar'), 'busybox', '--root', root], { encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`import busybox: ${imp.stderr}`);
  for (let i = 0; i < runs; i++) {
    const name = `c${hosts}x${perHost}`;
    const prefix = `tsnet-t-${randomBytes(3).toString('hex')}-`;
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, labYaml(name, hosts, perHost, true));
    try {
      const model = lab.loadLabFile(file, { prefix });
      let t0 = nowMs();
      const up = await lab.up(model, file, undefined, { root });
      r.upMs.push(nowMs() - t0);
      r.failures.push((await reachMatrix(up.record)).failures);
      t0 = nowMs();
      await lab.down(name, { root });
      r.downMs.push(nowMs() - t0);
    } finally {
      await lab.down(name, { root }).catch(() => undefined);
      cleanup(prefix);
    }
  }
  return r;
}

interface SizeResult { hosts: number; nodes: number; upMs: number[]; downMs: number[]; cliUpMs: number[]; cliPingMs: number[]; cliUpNoCaMs: number[]; cliPingNoCaMs: number[]; failures: number[] }

async function measureSize(hosts: number, perHost: number, runs: number, work: string): Promise<SizeResult> {
  /* tsnet-lint-disable no-require -- loaded only by the measurement that uses it */
  const lab = require('../src/lab/lab.js') as typeof import('../src/lab/lab.js');
  const { reachMatrix } = require('../src/lab/probe.js') as typeof import('../src/lab/probe.js');
  /* tsnet-lint-enable no-require */
  const r: SizeResult = { hosts, nodes: hosts * perHost, upMs: [], downMs: [], cliUpMs: [], cliPingMs: [], cliUpNoCaMs: [], cliPingNoCaMs: [], failures: [] };
  for (let i = 0; i < runs; i++) {
    const name = `b${hosts}x${perHost}`;
    const prefix = `tsnet-t-${randomBytes(3).toString('hex')}-`;
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, labYaml(name, hosts, perHost));
    const root = join(work, `root-${name}-${i}`);
    try {
      // In-process: the lab's own work.
      const model = lab.loadLabFile(file, { prefix });
      let t0 = nowMs();
      const up = await lab.up(model, file, undefined, { root });
      r.upMs.push(nowMs() - t0);
      const m = await reachMatrix(up.record);
      r.failures.push(m.failures);
      t0 = nowMs();
      await lab.down(name, { root });
      r.downMs.push(nowMs() - t0);
      // The CLI as users run it: up, then every pair checked (with and without the extra CA file).
      for (const withCa of [true, false]) {
        const env: NodeJS.ProcessEnv = { ...process.env, TSNET_LAB_PREFIX: prefix };
        if (!withCa) delete env['NODE_EXTRA_CA_CERTS'];
        t0 = nowMs();
        const u = spawnSync(BIN, ['lab', 'up', file, '--root', root], { env, encoding: 'utf8' });
        if (u.status !== 0) throw new Error(`lab up failed: ${u.stderr}`);
        const upMs = nowMs() - t0;
        const p = spawnSync(BIN, ['lab', 'status', name, '--ping', '--root', root], { env, encoding: 'utf8' });
        const pingMs = nowMs() - t0 - upMs;
        if (p.status !== 0) throw new Error(`lab status --ping: ${p.stdout.split('\n').slice(-2).join(' ')}`);
        if (withCa) { r.cliUpMs.push(upMs); r.cliPingMs.push(pingMs); } else { r.cliUpNoCaMs.push(upMs); r.cliPingNoCaMs.push(pingMs); }
        spawnSync(BIN, ['lab', 'down', name, '--root', root], { env });
      }
    } finally {
      await lab.down(name, { root }).catch(() => undefined);
      cleanup(prefix);
    }
  }
  return r;
}

/** inprocAttach — attach() of `n` guests into br0 of a simulated host, one at a time, in this process. */
async function inprocAttach(n: number, work: string): Promise<number[]> {
  /* tsnet-lint-disable no-require -- loaded only by the measurement that uses it */
  const { EngineContext } = require('../src/engine/context.js') as typeof import('../src/engine/context.js');
  const { attach } = require('../src/attach/attach.js') as typeof import('../src/attach/attach.js');
  const { parseAttach } = require('../src/attach/grammar.js') as typeof import('../src/attach/grammar.js');
  const named = require('../src/netns/named.js') as typeof import('../src/netns/named.js');
  /* tsnet-lint-enable no-require */
  const prefix = `tsnet-t-${randomBytes(3).toString('hex')}-`;
  const host = `${prefix}host`;
  const guests = Array.from({ length: n + 1 }, (_, i) => `${prefix}g${i}`);
  try {
    await named.createNamedNetns([host, ...guests]);
    const ref = named.openNamedNetns(host);
    const ctx = new EngineContext({ root: join(work, 'attach-root'), hostNetns: ref });
    try {
      const times: number[] = [];
      for (const [i, g] of guests.entries()) {
        const req = parseAttach({ hostIf: 'br0', guest: `netns:${g}`, ipSpec: `10.77.${Math.floor(i / 200)}.${(i % 200) + 2}/16` });
        const t0 = nowMs();
        await attach(ctx, req);
        if (i > 0) times.push(nowMs() - t0); // the first pays the lazy loading and the bridge
      }
      return times;
    } finally {
      ctx.close();
      ref.close();
    }
  } finally {
    cleanup(prefix);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  const work = mkdtempSync(join(tmpdir(), 'tsnet-t-bench-lab-'));
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  try {
    const attachMs = summarize(await inprocAttach(20, work)).median;
    const sizes = [await measureSize(4, 5, runs, work), await measureSize(8, 10, runs, work)];
    const ctr = [await measureContainers(4, 5, runs, work), await measureContainers(8, 10, runs, work)];
    const med = (xs: number[]): number => summarize(xs).median;
    const rows = sizes.map((s) => ({
      lab: `${s.hosts} hosts × ${s.nodes / s.hosts} nodes`,
      nodes: s.nodes,
      upMs: round(med(s.upMs)), upPerNodeMs: round(med(s.upMs) / s.nodes),
      downMs: round(med(s.downMs)), downPerNodeMs: round(med(s.downMs) / s.nodes),
      cliUpMs: round(med(s.cliUpMs)), cliUpNoExtraCaMs: round(med(s.cliUpNoCaMs)), cliUpAndAllPairsMs: round(med(s.cliUpMs) + med(s.cliPingMs)),
      cliUpAndAllPairsNoExtraCaMs: round(med(s.cliUpNoCaMs) + med(s.cliPingNoCaMs)),
      pairsFailed: Math.max(...s.failures),
    }));
    const ctrRows = ctr.map((c) => ({
      lab: `${c.hosts} hosts × ${c.nodes / c.hosts} containers`, nodes: c.nodes,
      upMs: round(med(c.upMs)), upPerNodeMs: round(med(c.upMs) / c.nodes), downMs: round(med(c.downMs)), downPerNodeMs: round(med(c.downMs) / c.nodes),
      pairsFailed: Math.max(...c.failures),
    }));
    const flatUp = round(rows[1]!.upPerNodeMs / rows[0]!.upPerNodeMs);
    const flatDown = round(rows[1]!.downPerNodeMs / rows[0]!.downPerNodeMs);
    const report = {
      environment: { loadavg: load, runs, nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] ? 'set' : 'unset', cpus: cpus().length },
      inprocAttachMs: round(attachMs),
      sizes: rows,
      containers: ctrRows,
      ratios: {
        containerUpPerNode8x10over4x5: round(ctrRows[1]!.upPerNodeMs / ctrRows[0]!.upPerNodeMs),
        containerUpPerNodeOverNetnsUpPerNode4x5: round(ctrRows[0]!.upPerNodeMs / rows[0]!.upPerNodeMs),
        upPerNode8x10over4x5: flatUp, downPerNode8x10over4x5: flatDown,
        upPerNode8x10overInprocAttach: round(rows[1]!.upPerNodeMs / attachMs),
      },
      targets: {
        'up per node flat (8×10 / 4×5 ≤ 1.2)': flatUp <= 1.2,
        '8×10 up with every pair reachable < 10 s (CLI)': Math.max(rows[1]!.cliUpAndAllPairsMs, rows[1]!.cliUpAndAllPairsNoExtraCaMs) < 10000 && rows[1]!.pairsFailed === 0,
      },
    };
    if (values.json) { process.stdout.write(`${JSON.stringify(report, null, 2)}\n`); return; }
    const out = [`bench/lab — load average ${load}, ${runs} run(s) each, medians; NODE_EXTRA_CA_CERTS ${report.environment.nodeExtraCaCerts}`, ''];
    out.push('lab                 nodes  up (ms)  /node  down (ms)  /node  CLI up  CLI up, no CA  CLI up + all pairs  ditto, no CA  pairs failed');
    for (const r of rows) out.push(`${r.lab.padEnd(19)} ${String(r.nodes).padStart(5)}  ${String(r.upMs).padStart(7)}  ${String(r.upPerNodeMs).padStart(5)}  ${String(r.downMs).padStart(9)}  ${String(r.downPerNodeMs).padStart(5)}  ${String(r.cliUpMs).padStart(6)}  ${String(r.cliUpNoExtraCaMs).padStart(13)}  ${String(r.cliUpAndAllPairsMs).padStart(18)}  ${String(r.cliUpAndAllPairsNoExtraCaMs).padStart(12)}  ${String(r.pairsFailed).padStart(12)}`);
    out.push('', 'container nodes (busybox, in-process)   up (ms)  /node  down (ms)  /node  pairs failed');
    for (const r of ctrRows) out.push(`${r.lab.padEnd(38)} ${String(r.upMs).padStart(8)}  ${String(r.upPerNodeMs).padStart(5)}  ${String(r.downMs).padStart(9)}  ${String(r.downPerNodeMs).padStart(5)}  ${String(r.pairsFailed).padStart(12)}`);
    out.push(`container per-node up, 8×10 / 4×5: ${report.ratios.containerUpPerNode8x10over4x5}; container / netns per-node up (4×5): ${report.ratios.containerUpPerNodeOverNetnsUpPerNode4x5}`);
    out.push('', `in-process attach() into a simulated host: ${round(attachMs)} ms (median of 20)`);
    out.push(`per-node up, 8×10 / 4×5: ${flatUp} (target ≤ 1.2: ${flatUp <= 1.2 ? 'met' : 'NOT met'}); per-node down: ${flatDown}`);
    out.push(`per-node up of 8×10 / in-process attach: ${report.ratios.upPerNode8x10overInprocAttach}`);
    out.push(`8×10 up with every pair reachable, CLI: ${rows[1]!.cliUpAndAllPairsMs} ms, ${rows[1]!.cliUpAndAllPairsNoExtraCaMs} ms without NODE_EXTRA_CA_CERTS (target < 10000: ${report.targets['8×10 up with every pair reachable < 10 s (CLI)'] ? 'met' : 'NOT met'})`);
    out.push(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { process.stderr.write(`bench/lab: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
