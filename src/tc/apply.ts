/**
 * apply — runs impairments (tc/impairment.ts) on interfaces of one netns with a single
 * `tc -batch` process, after checking that this kernel has what they need: netem is probed
 * once per process in a throwaway netns, so a kernel without it (CONFIG_NET_SCH_NETEM unset)
 * gets a clear EUNSUPPORTED before anything changes.
 */
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { argvIn } from '../netns/named.js';
import { needsNetem, qdiscCommands, type Impairment } from './impairment.js';

let netemProbe: Promise<boolean> | undefined;

/** netemSupported — tries a netem qdisc on lo of a private netns; cached per process. */
export function netemSupported(): Promise<boolean> {
  netemProbe ??= run(['unshare', '--net', '--', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { allowFailure: true }).then((r) => r.code === 0);
  return netemProbe;
}

/** requireImpairments — EUNSUPPORTED naming the first link that asks for netem on a kernel without it. */
export async function requireImpairments(wanted: ReadonlyArray<{ link: string; impair: Impairment | undefined }>): Promise<void> {
  const first = wanted.find((w) => needsNetem(w.impair));
  if (first && !(await netemSupported())) {
    throw new TsnetError('EUNSUPPORTED', `link ${first.link} asks for delay/jitter/loss/corruption, which need tc netem, and this kernel has no netem (CONFIG_NET_SCH_NETEM); rate alone works (tbf/htb)`);
  }
}

/** applyImpairments — sets (or clears) the root qdisc of each interface, all in netns. */
export async function applyImpairments(netns: string | undefined, items: ReadonlyArray<{ dev: string; impair: Impairment | undefined }>): Promise<void> {
  if (items.length === 0) return;
  const lines = items.flatMap((x) => qdiscCommands(x.dev, x.impair));
  // -force: a `qdisc del` of an interface that has no qdisc of ours must not stop the rest.
  const r = await run(argvIn(netns, ['tc', '-force', '-batch', '-']), { input: `${lines.join('\n')}\n`, allowFailure: true });
  const errors = r.stderr.split('\n').filter((l) => l.trim() && !/Cannot delete qdisc with handle of zero|No such file or directory|Command failed -:\d+$/.test(l));
  const failedReplace = r.code !== 0 && errors.length > 0;
  if (failedReplace) throw new TsnetError('EKERNEL', `tc in ${netns ?? 'this netns'}: ${errors[0]}`);
}

export interface QdiscInfo { dev: string; kind: string; options: Record<string, unknown> }

/** rootQdiscs — the root qdisc of every interface in netns (`tc -j qdisc show`). */
export async function rootQdiscs(netns: string | undefined): Promise<QdiscInfo[]> {
  const r = await run(argvIn(netns, ['tc', '-j', 'qdisc', 'show']));
  const list = JSON.parse(r.stdout || '[]') as Array<{ kind: string; dev: string; root?: boolean; options?: Record<string, unknown> }>;
  return list.filter((q) => q.root).map((q) => ({ dev: q.dev, kind: q.kind, options: q.options ?? {} }));
}
