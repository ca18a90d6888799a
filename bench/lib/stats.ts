/**
 * bench/lib/stats — timing and summarising for the benchmarks: wall-clock a spawned process
 * (argv array, never a shell) and reduce samples to median / p10 / p90. Spawn wall time is
 * what a caller of a CLI pays, so that is what every process-level figure here measures.
 */
import { spawnSync } from 'node:child_process';

export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

export interface TimedRun {
  ms: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  timeoutMs?: number | undefined;
}

/** Interrupted — the child died of SIGINT/SIGTERM (Ctrl-C reaches it too): stop the run. */
export class Interrupted extends Error {}

/** quantile — linear interpolation between closest ranks on a sorted array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((x, y) => x - y);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
}

/** round — ms with two decimals, for JSON output. */
export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function roundSummary(s: Summary): Summary {
  return { n: s.n, median: round(s.median), p10: round(s.p10), p90: round(s.p90), min: round(s.min), max: round(s.max) };
}

/**
 * timedRun — spawn argv, wait for it, return the wall time in ms (from just before the
 * spawn to just after the child is reaped) plus its output. Throws on a non-zero exit,
 * with the child's stderr, so a broken measurement is never reported as a fast one.
 */
export function timedRun(argv: readonly string[], opts: RunOptions = {}): TimedRun {
  const [file, ...args] = argv;
  if (!file) throw new Error('timedRun: empty argv');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, {
    input: opts.input,
    env: opts.env,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const t1 = process.hrtime.bigint();
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') throw new Interrupted(`${argv.join(' ')}: killed by ${r.signal}`);
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  }
  return { ms: Number(t1 - t0) / 1e6, stdout: r.stdout, stderr: r.stderr };
}

/** run — timedRun for set-up steps whose time does not matter. */
export function run(argv: readonly string[], opts: RunOptions = {}): string {
  return timedRun(argv, opts).stdout;
}

/** nowMs — a monotonic clock in ms, for in-process timing. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
