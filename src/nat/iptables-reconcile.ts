/**
 * iptables-reconcile — from what iptables-save shows and the layout tsnet wants, the
 * iptables-restore lines that make the table match, and nothing more. Pure; used by
 * network install (one network's layout) and gc (every network's, one restore per table),
 * always under the host lock, so the decision and the write see the same kernel.
 *
 * Three kinds of chain content:
 *  - exact: a chain that is wholly tsnet's and one object's (a network's TSNET-I-…): when its
 *    rules differ from the wanted ones, it is emptied (-F) and refilled in the same
 *    transaction; when they match, it is left alone (never re-declared: with --noflush a
 *    declaration of an existing chain empties it).
 *  - shared: rules tsnet needs in chains others also write (the built-in FORWARD, the base
 *    TSNET-INBOUND that holds every network's jump): each group of rules must be there
 *    exactly once, in its order; a group that is not (missing, doubled, out of order) is
 *    deleted wherever it is and appended again, in the same transaction.
 *  - removed: chains no record explains; every jump to them goes, then they do; and in
 *    pruned chains (tsnet's base chains, when this root is alone on the host) every rule
 *    no group names.
 * @pure
 */

export interface SavedTable {
  chains: Set<string>;
  /** Each chain's rules as `-A CHAIN ...` lines, in order. */
  rules: Map<string, string[]>;
}

/** parseSaved — iptables-save output (one table) as chains and their rules. */
export function parseSaved(saved: string): SavedTable {
  const chains = new Set<string>();
  const rules = new Map<string, string[]>();
  for (const line of saved.split('\n')) {
    if (line.startsWith(':')) chains.add(line.slice(1, line.indexOf(' ')));
    else if (line.startsWith('-A ')) {
      const chain = line.slice(3, line.indexOf(' ', 3));
      const list = rules.get(chain) ?? [];
      list.push(line);
      rules.set(chain, list);
    }
  }
  return { chains, rules };
}

export interface TableLayout {
  /** Chains that must exist, shared with others (their declaration only). */
  declared: readonly string[];
  /** Chains that must hold exactly these rules (`-A CHAIN ...` lines), in order. */
  exact: ReadonlyMap<string, readonly string[]>;
  /** Groups of rules in shared chains; a group lies in one chain and keeps its order. */
  shared: ReadonlyArray<readonly string[]>;
  /** Chains to remove, with every jump to them. */
  remove?: readonly string[] | undefined;
  /** Shared chains in which every rule that no `shared` group names is removed (gc, alone on the host). */
  prune?: readonly string[] | undefined;
}

const chainOf = (rule: string): string => rule.slice(3, rule.indexOf(' ', 3));
const del = (rule: string): string => `-D ${rule.slice(3)}`;

/** groupInPlace — each rule of the group once in the chain, and in the group's order. */
function groupInPlace(group: readonly string[], chainRules: readonly string[]): boolean {
  let last = -1;
  for (const r of group) {
    const at = chainRules.indexOf(r);
    if (at < 0 || at < last || chainRules.indexOf(r, at + 1) >= 0) return false;
    last = at;
  }
  return true;
}

/** reconcileLines — the restore lines (declarations, deletions, then additions); [] when it matches. */
export function reconcileLines(saved: SavedTable, layout: TableLayout): string[] {
  const declare: string[] = [];
  const flush: string[] = [];
  const add: string[] = [];
  /** Rules deleted wherever they are, every copy (a shared group put back, strays, jumps to removed chains). */
  const drop = new Set<string>();
  const removed = new Set((layout.remove ?? []).filter((c) => saved.chains.has(c)));
  for (const c of [...layout.declared, ...layout.exact.keys()]) {
    if (!saved.chains.has(c) && !declare.includes(`:${c} - [0:0]`)) declare.push(`:${c} - [0:0]`);
  }
  for (const [chain, want] of layout.exact) {
    const have = saved.rules.get(chain) ?? [];
    if (have.length === want.length && have.every((r, i) => r === want[i])) continue;
    if (have.length > 0) flush.push(`-F ${chain}`);
    add.push(...want);
  }
  for (const group of layout.shared) {
    if (groupInPlace(group, saved.rules.get(chainOf(group[0]!)) ?? [])) continue;
    for (const r of group) drop.add(r);
    add.push(...group);
  }
  const wanted = new Set(layout.shared.flat());
  for (const chain of layout.prune ?? []) for (const r of saved.rules.get(chain) ?? []) if (!wanted.has(r)) drop.add(r);
  const deletions: string[] = [];
  for (const [chain, list] of saved.rules) {
    if (removed.has(chain)) continue; // flushed below
    for (const r of list) if (drop.has(r) || removed.has(r.slice(r.lastIndexOf(' -j ') + 4))) deletions.push(del(r));
  }
  const gone = [...removed];
  return [...declare, ...deletions, ...flush, ...gone.map((c) => `-F ${c}`), ...gone.map((c) => `-X ${c}`), ...add];
}
