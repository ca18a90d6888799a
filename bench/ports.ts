/**
 * bench/ports — what publishing ports costs, against the per-rule approach (one
 * `iptables -t nat -A ... DNAT` process per mapping), inside throwaway namespaces:
 *   1. 1000 mappings in one `tsnet port publish` (one guest, one -p per port);
 *   2. 1000 separate `iptables -t nat -A` DNAT rules, the same work done rule by rule;
 *   3. one more mapping (#1001, on a second guest) when 1000 exist, against mapping #1 on a
 *      fresh host: the issue asks that it not grow with N (≤ 1.2×).
 * Usage: npm run build && node dist/bench/ports.js [--mappings N] [--reps R]
 */
import { parseArgs } from 'node:util';
import { Sandbox } from './lib/sandbox.js';
import { run, summarize, timedRun } from './lib/stats.js';
import { join } from 'node:path';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');

function main(): void {
  const { values } = parseArgs({ options: { mappings: { type: 'string', default: '1000' }, reps: { type: 'string', default: '5' } } });
  const n = Number(values.mappings);
  const reps = Number(values.reps);
  const box = new Sandbox();
  try {
    const batch: number[] = [];
    const perRule: number[] = [];
    const first: number[] = [];
    const next: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const host = box.netns(`h${rep}`);
      const [g1, g2, g3] = [box.netns(`a${rep}`), box.netns(`b${rep}`), box.netns(`c${rep}`)];
      const root = box.tmpdir(`root${rep}`);
      const tsnet = (...args: string[]): number => timedRun(['ip', 'netns', 'exec', host, process.execPath, TSNET, ...args, '--root', root]).ms;
      tsnet('network', 'create', 'lab', '--subnet', '10.90.0.0/16');
      for (const g of [g1, g2, g3]) tsnet('attach', 'lab', g);
      first.push(tsnet('port', 'publish', g3, '-p', '40000:80'));
      run(['ip', 'netns', 'exec', host, process.execPath, TSNET, 'port', 'unpublish', g3, '--root', root]);
      const specs = Array.from({ length: n }, (_, i) => ['-p', `${20000 + i}:${1000 + i}`]).flat();
      batch.push(tsnet('port', 'publish', g1, ...specs));
      next.push(tsnet('port', 'publish', g2, '-p', '40001:80'));
      // The per-rule approach in a namespace of its own, the same DNAT rules one process each.
      const plain = box.netns(`p${rep}`);
      // One child inside the namespace runs the n iptables processes, so `ip netns exec` is paid once.
      const loop = `const { spawnSync } = require('child_process');
        for (let i = 0; i < ${n}; i++) {
          const r = spawnSync('iptables', ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', String(20000 + i), '-j', 'DNAT', '--to-destination', '10.90.0.2:' + (1000 + i)]);
          if (r.status !== 0) process.exit(1);
        }`;
      perRule.push(timedRun(['ip', 'netns', 'exec', plain, process.execPath, '-e', loop], { timeoutMs: 600_000 }).ms);
      for (const ns of [plain, g1, g2, g3, host]) box.dropNetns(ns);
    }
    const med = (xs: number[]): number => summarize(xs).median;
    const rows = [
      [`${n} mappings, one tsnet port publish`, med(batch)],
      [`${n} x iptables -t nat -A (per rule)`, med(perRule)],
      ['mapping #1 (fresh host)', med(first)],
      [`mapping #${n + 1} (${n} exist)`, med(next)],
    ] as const;
    console.log(`bench/ports: ${reps} reps, medians in ms (CLI wall time, inside throwaway namespaces)`);
    for (const [what, ms] of rows) console.log(`  ${what.padEnd(42)} ${ms.toFixed(1)}`);
    console.log(`  batch / per-rule: ${(med(batch) / med(perRule)).toFixed(3)}x (target <= 0.02x)`);
    console.log(`  #${n + 1} / #1: ${(med(next) / med(first)).toFixed(2)}x (target <= 1.2x)`);
  } finally {
    box.cleanup();
  }
}

main();
