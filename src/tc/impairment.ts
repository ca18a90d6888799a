/**
 * impairment — the tc commands that make a link behave like a worse one, per interface
 * egress (pure; tc/apply.ts runs them). delay, jitter, loss and corruption need netem;
 * a rate alone is enforced by a token bucket (tbf, the default) or an HTB class, which
 * need no netem. With netem and a rate, netem carries both (its own rate option).
 * @pure
 */
import { invalid } from '../core/errors.js';

export interface Impairment {
  delay?: string | undefined;
  jitter?: string | undefined;
  loss?: string | undefined;
  corrupt?: string | undefined;
  rate?: string | undefined;
  shaper?: 'tbf' | 'htb' | undefined;
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** rateBits — "10mbit" → 10000000. */
export function rateBits(rate: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(rate);
  if (!m) throw invalid(`rate "${rate}" is not like 10mbit (bit, kbit, mbit, gbit)`);
  const bits = Number(m[1]) * RATE_UNITS[m[2]!]!;
  if (bits < 8000) throw invalid(`rate ${rate} is below 8kbit`);
  return bits;
}

export function needsNetem(i: Impairment | undefined): boolean {
  return i !== undefined && (i.delay !== undefined || i.jitter !== undefined || i.loss !== undefined || i.corrupt !== undefined);
}

export function isEmpty(i: Impairment | undefined): boolean {
  return i === undefined || (!needsNetem(i) && i.rate === undefined);
}

/** describeImpairment — "delay 10ms±2ms loss 1% rate 10mbit" for tables and the graph. */
export function describeImpairment(i: Impairment | undefined): string {
  if (isEmpty(i)) return '';
  const parts: string[] = [];
  if (i!.delay) parts.push(`delay ${i!.delay}${i!.jitter ? `±${i!.jitter}` : ''}`);
  if (i!.loss) parts.push(`loss ${i!.loss}`);
  if (i!.corrupt) parts.push(`corrupt ${i!.corrupt}`);
  if (i!.rate) parts.push(`rate ${i!.rate}${needsNetem(i) ? '' : ` (${i!.shaper ?? 'tbf'})`}`);
  return parts.join(' ');
}

/**
 * qdiscCommands — `tc -batch` lines for dev: the root qdisc deleted (the caller tolerates "no
 * qdisc" there), then the impairment's added. Not `replace`: the kernel refuses to replace a
 * root qdisc by one of another kind under the same handle (tbf → htb). tbf's burst holds
 * 10 ms of traffic (at least 2 full frames), so the bucket neither starves nor lets bursts past.
 */
export function qdiscCommands(dev: string, i: Impairment | undefined): string[] {
  const del = `qdisc del dev ${dev} root`;
  if (isEmpty(i)) return [del];
  if (i!.jitter !== undefined && i!.delay === undefined) throw invalid('jitter needs a delay');
  if (needsNetem(i)) {
    const args = ['netem'];
    if (i!.delay) args.push('delay', i!.delay, ...(i!.jitter ? [i!.jitter] : []));
    if (i!.loss) args.push('loss', i!.loss);
    if (i!.corrupt) args.push('corrupt', i!.corrupt);
    if (i!.rate) args.push('rate', i!.rate);
    return [del, `qdisc add dev ${dev} root handle 1: ${args.join(' ')}`];
  }
  const bits = rateBits(i!.rate!);
  if (i!.shaper === 'htb') {
    return [del, `qdisc add dev ${dev} root handle 1: htb default 10`, `class add dev ${dev} parent 1: classid 1:10 htb rate ${bits}bit ceil ${bits}bit`];
  }
  const burst = Math.max(3200, Math.ceil(bits / 8 / 100));
  return [del, `qdisc add dev ${dev} root handle 1: tbf rate ${bits}bit burst ${burst} latency 50ms`];
}
