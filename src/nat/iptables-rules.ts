/**
 * iptables-rules — tsnet's firewall layout for bridge networks, as iptables-restore text
 * built by pure functions (unit tests pin it). Chains of our own, jumped to from the built-in
 * ones; rules we did not make are never touched:
 *
 *   filter FORWARD -> TSNET-USER (first; tsnet never writes to it: the users' hook)
 *                  -> TSNET-FORWARD -> TSNET-INBOUND: -o <bridge> -> TSNET-I-<id>  (per network)
 *                                   -> TSNET-EGRESS:  -i <bridge> -> TSNET-E-<id>  (per network)
 *   filter INPUT -> TSNET-INPUT: new connections from a bridge to 127.0.0.0/8 dropped (per network)
 *   nat POSTROUTING -> TSNET-POSTROUTING -> TSNET-M-<id> (MASQUERADE, per network)
 *   nat PREROUTING/OUTPUT (local destinations) -> TSNET -> TSNET-D-<id> (DNAT, per attachment)
 *
 * Every inbound chain is consulted before any egress chain, so traffic from one network to
 * another meets the destination's drop before the source's accept: networks are isolated
 * (Docker orders DOCKER-CT / DOCKER-BRIDGE before its egress ACCEPTs for the same reason).
 * Published ports need no filter rule each: the inbound chain accepts what was DNATed
 * (conntrack state DNAT), and only tsnet's DNAT rules send traffic to a guest's address,
 * so one publish is one nat transaction and a mapping costs one rule.
 * Published ports also work from 127.0.0.1 (route_localnet on the bridge, set by the
 * network, plus MASQUERADE of 127.0.0.0/8 out of it) and from a guest on the same bridge
 * to the host's address (hairpin: DNATed traffic that goes back out of its own bridge is
 * masqueraded so the reply comes back through the host). route_localnet would also let a
 * guest reach the host's loopback services; TSNET-INPUT drops such new connections.
 * Per-network chains make teardown exact: drop the jumps to them, flush, delete.
 * UPGRADE HAZARD: chain names are recomputed at teardown; changing them strands old rules.
 * @pure
 */
import { shortHash } from '../core/names.js';
import type { NetworkFirewall } from './firewall.js';
import type { TableLayout } from './iptables-reconcile.js';

export const USER_CHAIN = 'TSNET-USER';
export const BASE_FILTER_CHAINS = [USER_CHAIN, 'TSNET-FORWARD', 'TSNET-INBOUND', 'TSNET-EGRESS', 'TSNET-INPUT'] as const;
export const BASE_NAT_CHAINS = ['TSNET', 'TSNET-POSTROUTING'] as const;

/** networkChains — the per-network chain names (≤ 28 chars, iptables' limit). */
export function networkChains(bridge: string): { inbound: string; egress: string; masq: string } {
  const id = shortHash(['fw', bridge], 10);
  return { inbound: `TSNET-I-${id}`, egress: `TSNET-E-${id}`, masq: `TSNET-M-${id}` };
}

/**
 * baseJumps — the jumps into tsnet's base chains, as ordered groups (the user hook before
 * TSNET-FORWARD; inbound before egress), created once per host netns.
 */
export function baseJumps(table: 'filter' | 'nat', family: 4 | 6 = 4): string[][] {
  return table === 'filter'
    ? [
        ['-A INPUT -j TSNET-INPUT'],
        ['-A FORWARD -j TSNET-USER', '-A FORWARD -j TSNET-FORWARD'],
        ['-A TSNET-FORWARD -j TSNET-INBOUND', '-A TSNET-FORWARD -j TSNET-EGRESS'],
      ]
    : [
        // Published ports: traffic to any local address, from outside and from the host
        // itself, 127.0.0.1 included (Docker without the userland proxy does the same) —
        // but only from the host itself: 127.0.0.0/8 arriving on an interface (possible on
        // a bridge with route_localnet) must not reach a port published on 127.0.0.1.
        // (IPv6 needs no such guard: ::1 from an interface is dropped as a martian.)
        [`-A PREROUTING ${family === 4 ? '! -d 127.0.0.0/8 ' : ''}-m addrtype --dst-type LOCAL -j TSNET`],
        ['-A OUTPUT -m addrtype --dst-type LOCAL -j TSNET'],
        ['-A POSTROUTING -j TSNET-POSTROUTING'],
      ];
}

/**
 * baseRules — the chains and jumps created once per host netns; `saved` is iptables-save's
 * output for the table, so only what is missing is listed (redeclaring a chain with
 * --noflush would flush it, and a second jump would double every rule).
 */
export function baseRules(table: 'filter' | 'nat', saved: string, family: 4 | 6 = 4): string[] {
  const lines: string[] = [];
  const hasChain = (c: string): boolean => saved.includes(`:${c} `);
  const hasRule = (r: string): boolean => saved.split('\n').includes(r);
  const chains = table === 'filter' ? BASE_FILTER_CHAINS : BASE_NAT_CHAINS;
  for (const c of chains) if (!hasChain(c)) lines.push(`:${c} - [0:0]`);
  for (const j of baseJumps(table, family).flat()) if (!hasRule(j)) lines.push(j);
  return lines;
}

/** baseLayout — the base chains and jumps as a reconcile layout (iptables-reconcile.ts). */
export function baseLayout(table: 'filter' | 'nat', family: 4 | 6 = 4): TableLayout {
  return { declared: table === 'filter' ? BASE_FILTER_CHAINS : BASE_NAT_CHAINS, exact: new Map(), shared: baseJumps(table, family) };
}

/**
 * networkLayout — one network's rules as a reconcile layout: its own chains hold exactly
 * their rules; its jumps (and the loopback guard) are single rules in the shared base chains.
 */
export function networkLayout(n: NetworkFirewall, table: 'filter' | 'nat', family: 4 | 6 = 4): TableLayout {
  const lines = networkRules(n, family)[table];
  const own = lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1, l.indexOf(' ')));
  const exact = new Map(own.map((c) => [c, lines.filter((l) => l.startsWith(`-A ${c} `))]));
  const shared = lines.filter((l) => l.startsWith('-A ') && !own.some((c) => l.startsWith(`-A ${c} `))).map((l) => [l]);
  return { declared: [], exact, shared };
}

/** mergeLayouts — several layouts as one (one restore per table). */
export function mergeLayouts(layouts: readonly TableLayout[]): TableLayout {
  return {
    declared: [...new Set(layouts.flatMap((l) => l.declared))],
    exact: new Map(layouts.flatMap((l) => [...l.exact])),
    shared: layouts.flatMap((l) => l.shared),
    remove: layouts.flatMap((l) => l.remove ?? []),
    prune: [...new Set(layouts.flatMap((l) => l.prune ?? []))],
  };
}

/**
 * networkRules — the per-network chains and their jumps, for one restore per table. With
 * family 6 (ip6tables, a dual-stack network) the same layout covers the IPv6 subnet, without
 * the 127.0.0.0/8 pieces: IPv6 has no route_localnet, so ::1 is never forwarded to a guest.
 */
export function networkRules(n: NetworkFirewall, family: 4 | 6 = 4): { filter: string[]; nat: string[] } {
  const c = networkChains(n.bridge);
  const b = n.bridge;
  const v4 = family === 4;
  const subnet = v4 ? n.subnet : n.subnet6;
  if (!subnet) return { filter: [], nat: [] };
  const filter = [
    `:${c.inbound} - [0:0]`,
    `:${c.egress} - [0:0]`,
    `-A TSNET-INBOUND -o ${b} -j ${c.inbound}`,
    `-A TSNET-EGRESS -i ${b} -j ${c.egress}`,
    // Into the network: replies, published ports (DNATed), and traffic between its own
    // members (decided in egress).
    `-A ${c.inbound} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    ...(n.internal ? [] : [`-A ${c.inbound} -m conntrack --ctstate DNAT -j ACCEPT`]),
    `-A ${c.inbound} -i ${b} -j RETURN`,
    `-A ${c.inbound} -j DROP`,
    // Out of the network: to its own members, then (unless internal) anywhere.
    `-A ${c.egress} -o ${b} -j ACCEPT`,
    `-A ${c.egress} -j ${n.internal ? 'DROP' : 'ACCEPT'}`,
    ...(n.internal || !v4 ? [] : [localGuard(b)]),
  ];
  const nat = n.internal ? [] : [
    `:${c.masq} - [0:0]`,
    `-A TSNET-POSTROUTING -j ${c.masq}`,
    ...(n.ipMasq ? [`-A ${c.masq} -s ${subnet} ! -o ${b} -j MASQUERADE`] : []),
    // Hairpin: a guest to the host's address and a published port of this bridge.
    `-A ${c.masq} -s ${subnet} -o ${b} -m conntrack --ctstate DNAT -j MASQUERADE`,
    // 127.0.0.1:PORT from the host (the guest could not answer a loopback source).
    ...(v4 ? [`-A ${c.masq} -s 127.0.0.0/8 -o ${b} -j MASQUERADE`] : []),
  ];
  return { filter, nat };
}

/**
 * teardownRules — from iptables-save output, the lines that remove every jump to the
 * network's chains and then the chains themselves; nothing when they are already gone.
 */
export function teardownRules(bridge: string, saved: string): string[] {
  const c = networkChains(bridge);
  const guard = saved.split('\n').includes(localGuard(bridge)) ? [`-D ${localGuard(bridge).slice(3)}`] : [];
  return [...guard, ...removeChains([c.inbound, c.egress, c.masq], saved)];
}

/** localGuard — route_localnet on the bridge must not open the host's loopback services to guests. */
function localGuard(bridge: string): string {
  return `-A TSNET-INPUT -d 127.0.0.0/8 -i ${bridge} -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP`;
}

/** removeChains — the jumps to these chains, then flush and delete the ones that exist. */
export function removeChains(ours: readonly string[], saved: string): string[] {
  const lines = saved.split('\n');
  const jumps = lines.filter((l) => l.startsWith('-A ') && ours.some((o) => l.endsWith(` -j ${o}`))).map((l) => `-D ${l.slice(3)}`);
  const chains = ours.filter((o) => lines.some((l) => l.startsWith(`:${o} `)));
  return [...jumps, ...chains.map((o) => `-F ${o}`), ...chains.map((o) => `-X ${o}`)];
}

/** restoreInput — one table's lines as an iptables-restore transaction. */
export function restoreInput(table: 'filter' | 'nat', lines: string[]): string {
  return `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
}

/**
 * baseTeardownRules — removes the base chains and their jumps once no network needs them,
 * but never while the users' TSNET-USER chain holds rules of theirs.
 */
export function baseTeardownRules(table: 'filter' | 'nat', saved: string): string[] {
  const lines = saved.split('\n');
  if (table === 'filter' && lines.some((l) => l.startsWith(`-A ${USER_CHAIN} `))) return [];
  const chains: readonly string[] = table === 'filter' ? BASE_FILTER_CHAINS : BASE_NAT_CHAINS;
  const present = chains.filter((c) => lines.some((l) => l.startsWith(`:${c} `)));
  const jumps = lines.filter((l) => l.startsWith('-A ') && chains.some((c) => l.endsWith(` -j ${c}`))).map((l) => `-D ${l.slice(3)}`);
  return [...jumps, ...present.map((c) => `-F ${c}`), ...present.map((c) => `-X ${c}`)];
}
