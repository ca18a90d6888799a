/**
 * probe — the reachability matrix of a running lab: for each node in scope, every other
 * node's address (reach.ts chooses which) is pinged from inside the node's netns, all
 * nodes at once, and compared with what the topology says should reach.
 */
import { pingAll } from '../netns/icmp-echo.js';
import { openNamedNetns, netnsExists } from '../netns/named.js';
import { inParallel, scopeOf } from './hosts.js';
import type { LabRecord } from './record.js';
import { pairPlans } from './reach.js';

export interface PairResult { from: string; to: string; ip: string; expected: boolean; reached: boolean; rttMs: number | null }

export interface ReachMatrix {
  nodes: string[];
  pairs: PairResult[];
  /** Pairs that should reach and do not. */
  failures: number;
  /** Pairs that reach though the topology says they should not (reported, not an error). */
  surprises: number;
}

export async function reachMatrix(rec: LabRecord, opts: { timeoutMs?: number } = {}): Promise<ReachMatrix> {
  const scope = scopeOf(rec.model, rec.as);
  const plans = pairPlans(rec.model, rec.linksDown, scope.nodes.map((n) => n.name));
  const results: PairResult[] = [];
  await inParallel(scope.nodes, 16, async (node) => {
    const mine = plans.filter((p) => p.from === node.name);
    if (mine.length === 0) return;
    let rtts = new Map<string, number | undefined>();
    if (netnsExists(node.netns)) {
      const ref = openNamedNetns(node.netns);
      try {
        // Unexpected pairs get a short wait: they are not supposed to answer, so they would set the pace.
        rtts = await pingAll(ref, [...new Set(mine.map((p) => p.ip))], { timeoutMs: opts.timeoutMs ?? (mine.some((p) => p.expected) ? 2000 : 500) });
      } finally {
        ref.close();
      }
    }
    for (const p of mine) {
      const rtt = rtts.get(p.ip);
      results.push({ ...p, reached: rtt !== undefined, rttMs: rtt === undefined ? null : Math.round(rtt * 1000) / 1000 });
    }
  });
  const order = new Map(rec.model.nodes.map((n, i) => [n.name, i]));
  results.sort((a, b) => order.get(a.from)! - order.get(b.from)! || order.get(a.to)! - order.get(b.to)!);
  return {
    nodes: scope.nodes.map((n) => n.name),
    pairs: results,
    failures: results.filter((r) => r.expected && !r.reached).length,
    surprises: results.filter((r) => !r.expected && r.reached).length,
  };
}

/** matrixLines — rows are sources, columns destinations: ok, FAIL (should reach), - (should not), ok! (reached anyway). */
export function matrixLines(m: ReachMatrix, allNodes: string[]): string[] {
  const cols = allNodes;
  const width = Math.max(4, ...cols.map((c) => c.length));
  const byPair = new Map(m.pairs.map((p) => [`${p.from}>${p.to}`, p]));
  const cell = (from: string, to: string): string => {
    if (from === to) return '.';
    const p = byPair.get(`${from}>${to}`);
    if (!p) return ' ';
    return p.reached ? (p.expected ? 'ok' : 'ok!') : p.expected ? 'FAIL' : '-';
  };
  const lines = [`reachability (ping from row to column):`, `${''.padEnd(width)}  ${cols.map((c) => c.padEnd(width)).join(' ')}`.trimEnd()];
  for (const from of m.nodes) lines.push(`${from.padEnd(width)}  ${cols.map((to) => cell(from, to).padEnd(width)).join(' ')}`.trimEnd());
  const expected = m.pairs.filter((p) => p.expected).length;
  lines.push(m.failures === 0
    ? `all ${expected} pairs that should reach do${m.surprises ? `; ${m.surprises} pair(s) reach that the topology does not connect (ok!)` : ''}`
    : `${m.failures} of ${expected} pairs that should reach do NOT`);
  return lines;
}
