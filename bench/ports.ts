/**
 * bench/ports — what publishing ports costs with each firewall backend, against the
 * per-rule approach (one process per DNAT rule), inside throwaway namespaces:
 *   1. 1000 mappings in one `tsnet port publish` (one guest, one -p per port), per backend;
 *   2. 1000 separate `iptables -t nat -A` DNAT rules, and 1000 separate `nft add rule`
 *      DNAT rules: the same work done rule by rule;
 *   3. one more mapping (#1001, on a second guest) when 1000 exist, against mapping #1 on a
 *      fresh host: the issue asks that it not grow with N (≤ 1.2×).
 * 1 and 3 are measured twice: as CLI wall time (a Node start, ~100 ms here, included) and
 * in-process (bench/inproc-ports.ts: the publishPorts() call a long-lived caller makes).
 * Usage: npm run build && node dist/bench/ports.js [--mappings N] [--reps R]
 */
import { parseArgs } from 'node:util';
import { Sandbox } from './lib/sandbox.js';
import { run, summarize, timedRun } from './lib/stats.js';
import { IPTABLES_DNAT, perRule } from './lib/per-rule.js';
import { join } from 'node:path';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');
const INPROC = join(__dirname, 'inproc-ports.js');
const BACKENDS = ['iptables', 'nftables'] as const;
const PAIRS = 4;

interface Samples { batch: number[]; first: number[]; next: number[] }

/** world — a fresh host netns with network lab and `count` guests attached; `tsnet` runs the CLI there. */
function world(box: Sandbox, fw: string, tag: string, count: number): { host: string; root: string; guests: string[]; tsnet: (...args: string[]) => number; drop: () => void } {
  const host = box.netns(`h${tag}`);
  const guests = Array.from({ length: count }, (_, i) => box.netns(`g${i}${tag}`));
  const root = box.tmpdir(`root${tag}`);
  const env = { ...process.env, TSNET_FIREWALL_BACKEND: fw };
  const tsnet = (...args: string[]): number => timedRun(['ip', 'netns', 'exec', host, TSNET, ...args, '--root', root], { env }).ms;
  tsnet('network', 'create', 'lab', '--subnet', '10.90.0.0/16');
  for (const g of guests) tsnet('attach', 'lab', g);
  return { host, root, guests, tsnet, drop: () => { for (const ns of [...guests, host]) box.dropNetns(ns); } };
}

/**
 * cliRep — one repetition of 1 and 3 for one backend through the CLI. #1 (a host with no
 * other mapping) and #N+1 (N exist) are timed in turns, PAIRS times each, so load from
 * other processes on this shared machine falls on both alike.
 */
function cliRep(box: Sandbox, fw: string, rep: number, n: number, s: Samples): void {
  const empty = world(box, fw, `e${fw.slice(0, 3)}${rep}`, 1);
  const full = world(box, fw, `f${fw.slice(0, 3)}${rep}`, 2);
  const specs = Array.from({ length: n }, (_, i) => ['-p', `${20000 + i}:${1000 + i}`]).flat();
  s.batch.push(full.tsnet('port', 'publish', full.guests[0]!, ...specs));
  for (let i = 0; i < PAIRS; i++) {
    s.first.push(empty.tsnet('port', 'publish', empty.guests[0]!, '-p', '40000:80'));
    empty.tsnet('port', 'unpublish', empty.guests[0]!);
    s.next.push(full.tsnet('port', 'publish', full.guests[1]!, '-p', '40001:80'));
    full.tsnet('port', 'unpublish', full.guests[1]!);
  }
  empty.drop();
  full.drop();
}

/** inprocRep — the same three figures as library calls (bench/inproc-ports.ts). */
function inprocRep(box: Sandbox, fw: string, rep: number, n: number, s: Samples): void {
  const { host, root, guests, drop } = world(box, fw, `i${fw.slice(0, 3)}${rep}`, 4);
  const out = run(['ip', 'netns', 'exec', host, process.execPath, '--expose-gc', INPROC, '--root', root, '--mappings', String(n), '--pairs', String(PAIRS), ...guests]);
  const r = JSON.parse(out) as { firstMs: number[]; batchMs: number[]; nextMs: number[] };
  s.first.push(...r.firstMs);
  s.batch.push(...r.batchMs);
  s.next.push(...r.nextMs);
  drop();
}

function main(): void {
  const { values } = parseArgs({ options: { mappings: { type: 'string', default: '1000' }, reps: { type: 'string', default: '5' } } });
  const n = Number(values.mappings);
  const reps = Number(values.reps);
  const box = new Sandbox();
  try {
    const fresh = (): Record<(typeof BACKENDS)[number], Samples> =>
      Object.fromEntries(BACKENDS.map((b) => [b, { batch: [], first: [], next: [] } as Samples])) as Record<(typeof BACKENDS)[number], Samples>;
    const cli = fresh();
    const inproc = fresh();
    const iptA: number[] = [];
    const nftAdd: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const fw of BACKENDS) {
        cliRep(box, fw, rep, n, cli[fw]);
        inprocRep(box, fw, rep, n, inproc[fw]);
      }
      iptA.push(perRule(box, `pi${rep}`, n, [], IPTABLES_DNAT));
      nftAdd.push(perRule(box, `pn${rep}`, n, [['nft', 'add table ip bl; add chain ip bl pre { type nat hook prerouting priority dstnat; }']],
        "['nft', 'add', 'rule', 'ip', 'bl', 'pre', 'tcp', 'dport', String(20000 + i), 'dnat', 'to', '10.90.0.2:' + (1000 + i)]"));
    }
    const med = (xs: number[]): number => summarize(xs).median;
    console.log(`bench/ports: ${reps} reps, medians in ms (CLI wall time, inside throwaway namespaces)`);
    const row = (what: string, ms: number): void => console.log(`  ${what.padEnd(50)} ${ms.toFixed(1)}`);
    row(`${n} x iptables -t nat -A (per rule)`, med(iptA));
    row(`${n} x nft add rule (per rule)`, med(nftAdd));
    for (const fw of BACKENDS) {
      for (const [how, s] of [['CLI', cli[fw]], ['in-process', inproc[fw]]] as const) {
        console.log(`  --firewall-backend ${fw}, ${how}`);
        row(`  ${n} mappings, one port publish`, med(s.batch));
        row('  mapping #1 (fresh host)', med(s.first));
        row(`  mapping #${n + 1} (${n} exist)`, med(s.next));
        console.log(`    batch / ${n} x iptables -A: ${(med(s.batch) / med(iptA)).toFixed(3)}x, / ${n} x nft add rule: ${(med(s.batch) / med(nftAdd)).toFixed(3)}x (target <= 0.02x)`);
        console.log(`    #${n + 1} / #1: ${(med(s.next) / med(s.first)).toFixed(2)}x (target <= 1.2x)`);
      }
    }
  } finally {
    box.cleanup();
  }
}

main();
