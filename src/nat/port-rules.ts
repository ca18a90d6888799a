/**
 * port-rules — the iptables rules of published ports: one nat chain per attachment, one
 * DNAT rule per mapping, so publishing touches just that attachment's chain (one
 * iptables-restore) and teardown is exact:
 *   nat TSNET -> TSNET-D-<id>:  [-d HOSTIP] -p P --dport HOSTPORT -j DNAT --to CTRIP:CTRPORT
 * No filter rule: the network's inbound chain accepts DNATed connections (iptables-rules.ts).
 * No `! -i BRIDGE` either: guests reach each other's published ports through the host's
 * address (hairpin), as Docker does without its userland proxy.
 * Pure; forms are exactly what iptables-save prints, so "is this jump there" is a string test.
 * UPGRADE HAZARD: chain names are recomputed at teardown.
 * @pure
 */
import { shortHash } from '../core/names.js';
import type { PortRecord } from '../state/ports.js';
import { ANY_HOST_IP } from '../state/stored-values.js';

/** portChain — the nat chain of one attachment's ports, keyed by its bridge and container address. */
export function portChain(bridge: string, containerIp: string): string {
  return `TSNET-D-${shortHash(['ports', bridge, containerIp], 10)}`;
}

/** portRule — one mapping's DNAT rule, exactly as `iptables -S` and iptables-save print it. */
export function portRule(chain: string, p: PortRecord): string {
  const dst = p.hostIp === ANY_HOST_IP ? '' : `-d ${p.hostIp}/32 `;
  return `-A ${chain} ${dst}-p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`;
}

/** PortChainState — what the kernel has of one attachment's chain (undefined: no chain). */
export interface PortChainState {
  /** Its rules, as `-A CHAIN ...` lines. */
  rules: string[];
  /** Whether TSNET jumps to it. */
  jumped: boolean;
}

/**
 * publishLines — what to add for new mappings, decided from what the kernel has (the
 * caller holds the host lock): the chain and its jump when missing, then each rule not
 * already there. An existing chain is never re-declared (with --noflush that would empty it).
 */
export function publishLines(bridge: string, have: PortChainState | undefined, added: readonly PortRecord[]): string[] {
  if (added.length === 0) return [];
  const chain = portChain(bridge, added[0]!.containerIp);
  const present = new Set(have?.rules ?? []);
  const rules = [...new Set(added.map((p) => portRule(chain, p)))].filter((r) => !present.has(r));
  return [
    ...(have ? [] : [`:${chain} - [0:0]`]),
    ...(have?.jumped ? [] : [`-A TSNET -j ${chain}`]),
    ...rules,
  ];
}

/**
 * unpublishLines — removes mappings' rules (every copy) from what the kernel has; with
 * `dropChain` (nothing kept) the chain and its jump go instead. Nothing when already gone.
 */
export function unpublishLines(bridge: string, containerIp: string, have: PortChainState | undefined, removed: readonly PortRecord[], dropChain: boolean): string[] {
  if (!have) return [];
  const chain = portChain(bridge, containerIp);
  if (dropChain) return [...(have.jumped ? [`-D TSNET -j ${chain}`] : []), `-F ${chain}`, `-X ${chain}`];
  const gone = new Set(removed.map((p) => portRule(chain, p)));
  return have.rules.filter((r) => gone.has(r)).map((r) => `-D ${r.slice(3)}`);
}

/**
 * portChainsLayout — the nat layout (iptables-reconcile.ts) of every recorded mapping, for
 * gc: each attachment's chain holds exactly its mappings' rules, once, and TSNET jumps to
 * it once; TSNET-D- chains no record explains go. A chain whose rules are right in another
 * order (concurrent publishes append in any order) is left as it is. Several roots may
 * share a host: a chain is taken for this root's only when its DNAT targets lie in one of
 * this root's subnets (`owned`), which no other root's overlap.
 */
export function portChainsLayout(groups: ReadonlyArray<{ bridge: string; ports: readonly PortRecord[] }>, saved: { chains: ReadonlySet<string>; rules: ReadonlyMap<string, readonly string[]> }, owned: (ip: string) => boolean): {
  declared: string[]; exact: Map<string, string[]>; shared: string[][]; remove: string[];
} {
  const exact = new Map<string, string[]>();
  for (const g of groups) {
    for (const p of g.ports) {
      const chain = portChain(g.bridge, p.containerIp);
      const rules = exact.get(chain) ?? [];
      const rule = portRule(chain, p);
      if (!rules.includes(rule)) rules.push(rule);
      exact.set(chain, rules);
    }
  }
  for (const [chain, want] of exact) {
    const have = saved.rules.get(chain) ?? [];
    if (have.length === want.length && [...have].sort().join('\n') === [...want].sort().join('\n')) exact.set(chain, [...have]);
  }
  return {
    declared: [],
    exact,
    shared: [...exact.keys()].map((c) => [`-A TSNET -j ${c}`]),
    remove: [...saved.chains].filter((c) => c.startsWith('TSNET-D-') && !exact.has(c) && (saved.rules.get(c) ?? []).some((r) => owned(dnatTarget(r)))),
  };
}

/** dnatTarget — the container address a DNAT rule sends to ('' when none). */
export function dnatTarget(rule: string): string {
  return /--to-destination ([0-9.]+):/.exec(rule)?.[1] ?? '';
}
