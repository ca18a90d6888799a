/**
 * bench/lib/report — turns bench/attach's samples into the summary table, the derived
 * numbers with their targets (in-process attach < 5 ms; CLI attach at most 30 ms above
 * `node -e 0`; in-process detach against the kernel's own veth deletion) and the ratios against the CNI bridge plugin measured in the same run.
 * Pure: no kernel, no processes, so its output is the same whether printed or --json.
 */
import { round, roundSummary, summarize, type Summary } from './stats.js';

export const METRICS = {
  nodeFloor: 'node -e 0',
  nodeFloorNs: 'ip netns exec HOST node -e 0',
  cliAttach: 'tsnet attach (CLI)',
  cliDetach: 'tsnet detach (CLI)',
  cniAdd: 'CNI bridge ADD',
  cniDel: 'CNI bridge DEL',
  inprocAttachNetlink: 'attach() in-process, netlink',
  inprocDetachNetlink: 'detach() in-process, netlink',
  kernelVethDelete: 'veth delete alone (RTM_DELLINK)',
  inprocAttachIproute2: 'attach() in-process, iproute2',
  inprocDetachIproute2: 'detach() in-process, iproute2',
} as const;

export type MetricKey = keyof typeof METRICS;
export type Samples = Record<MetricKey, number[]>;

export interface Derived {
  label: string;
  value: number;
  unit: 'ms' | 'x';
  target?: string | undefined;
  met?: boolean | undefined;
}

export function emptySamples(): Samples {
  const s = {} as Samples;
  for (const k of Object.keys(METRICS) as MetricKey[]) s[k] = [];
  return s;
}

export function summaries(samples: Samples): Record<MetricKey, Summary> {
  const out = {} as Record<MetricKey, Summary>;
  for (const k of Object.keys(METRICS) as MetricKey[]) out[k] = summarize(samples[k]);
  return out;
}

/** derive — the numbers the brief asks for, each from medians of the same run. */
export function derive(m: Record<MetricKey, Summary>): Derived[] {
  const med = (k: MetricKey): number => m[k].median;
  const inproc = med('inprocAttachNetlink');
  const overFloor = med('cliAttach') - med('nodeFloor');
  return [
    { label: 'in-process attach median (netlink)', value: inproc, unit: 'ms', target: '< 5 ms', met: inproc < 5 },
    { label: 'in-process detach - veth delete alone (netlink)', value: med('inprocDetachNetlink') - med('kernelVethDelete'), unit: 'ms' },
    { label: 'in-process attach median (iproute2)', value: med('inprocAttachIproute2'), unit: 'ms' },
    { label: 'CLI attach - node -e 0', value: overFloor, unit: 'ms', target: '<= 30 ms', met: overFloor <= 30 },
    { label: 'CLI attach - ip netns exec node -e 0 (like for like)', value: med('cliAttach') - med('nodeFloorNs'), unit: 'ms' },
    { label: 'CLI detach - node -e 0', value: med('cliDetach') - med('nodeFloor'), unit: 'ms' },
    { label: 'CLI attach / CNI ADD', value: med('cliAttach') / med('cniAdd'), unit: 'x' },
    { label: 'CLI detach / CNI DEL', value: med('cliDetach') / med('cniDel'), unit: 'x' },
  ];
}

export interface Report {
  iterations: number;
  environment: Record<string, unknown>;
  notes: string[];
  metrics: Record<MetricKey, { label: string; summary: Summary; samples: number[] }>;
  derived: Derived[];
  extra: Record<string, unknown>;
}

export function buildReport(iterations: number, samples: Samples, environment: Record<string, unknown>,
  notes: string[], extra: Record<string, unknown>): Report {
  const sums = summaries(samples);
  const metrics = {} as Report['metrics'];
  for (const k of Object.keys(METRICS) as MetricKey[]) {
    metrics[k] = { label: METRICS[k], summary: roundSummary(sums[k]), samples: samples[k].map(round) };
  }
  const derived = derive(sums).map((d) => ({ ...d, value: d.unit === 'x' ? Math.round(d.value * 1000) / 1000 : round(d.value) }));
  return { iterations, environment, notes, metrics, derived, extra };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** renderText — the human table: one row per metric, then the derived numbers. */
export function renderText(r: Report): string {
  const width = Math.max(...Object.values(METRICS).map((l) => l.length));
  const head = `${'what'.padEnd(width)}  ${['median', 'p10', 'p90', 'min', 'max'].map((h) => h.padStart(8)).join('')}     n`;
  const lines = [`tsnet attach benchmark: ${r.iterations} iterations, times in ms (wall clock)`, '', head, '-'.repeat(head.length)];
  for (const k of Object.keys(METRICS) as MetricKey[]) {
    const s = r.metrics[k].summary;
    const cols = [s.median, s.p10, s.p90, s.min, s.max].map((x) => fmt(x).padStart(8)).join('');
    lines.push(`${METRICS[k].padEnd(width)}  ${cols}  ${String(s.n).padStart(4)}`);
  }
  lines.push('', 'derived (from medians):');
  const dw = Math.max(...r.derived.map((d) => d.label.length));
  for (const d of r.derived) {
    const value = d.unit === 'x' ? `${d.value.toFixed(2)}x` : `${fmt(d.value)} ms`;
    const target = d.target ? `  target ${d.target}: ${d.met ? 'met' : 'MISSED'}` : '';
    lines.push(`  ${d.label.padEnd(dw)}  ${value.padStart(9)}${target}`);
  }
  lines.push('', ...r.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n`;
}
