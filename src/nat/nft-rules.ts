/**
 * nft-rules — tsnet's firewall layout for the nftables backend, as `nft -f` commands built
 * by pure functions (unit tests pin them). The same layout as iptables-rules.ts, in a table
 * of our own, `inet tsnet`, so nothing of anyone else's is ever touched. An inet table sees
 * IPv4 and IPv6 alike: the ifname-keyed isolation covers a dual-stack network's IPv6 side
 * with no rule of its own, and its post chain masquerades the IPv6 subnet too; published
 * ports are IPv4 (`dnat ip`):
 *
 *   chain forward (filter hook, priority filter) -> jump user (first; tsnet never writes to it)
 *                                                -> oifname vmap @inbound -> in-<id>  (per network)
 *                                                -> iifname vmap @egress  -> out-<id> (per network)
 *   chain input   (filter hook)   new connections from a @localnet bridge to 127.0.0.0/8 dropped
 *   chain prerouting/output (nat hooks, dstnat) -> fib daddr type local -> published:
 *        dnat to ip daddr . l4proto . dport map @ports-ip, then l4proto . dport map @ports-any
 *   chain post-<id> (nat hook postrouting, srcnat; per network) MASQUERADE: egress, hairpin, 127/8
 *
 * Per-network pieces hang off hash maps keyed by the bridge name (or are base chains of their
 * own), so adding or removing a network never needs a rule handle; a published port is one
 * element in a map, looked up in O(1) by the one DNAT rule, so publishing adds elements,
 * not rules.
 *
 * The user hook: tables are independent. A packet `drop`ped in chain `user` is gone; one
 * `accept`ed there skips tsnet's isolation but still passes every other table's forward
 * chain (iptables-nft's `ip filter FORWARD`, firewalld's) — as `-j ACCEPT` in TSNET-USER
 * ends only the iptables FORWARD chain. Conversely, a FORWARD policy of DROP in another
 * table drops tsnet's traffic whatever this table says (which is why iptables is the
 * default backend when it works).
 *
 * Idempotence: `add table/chain/map/set/element` are no-ops when the thing exists (with the
 * same value); base chains hold only tsnet's rules, so they are flushed and refilled in the
 * same transaction. Teardown adds each piece first and then deletes it, so one transaction
 * removes whatever is there without reading it.
 * UPGRADE HAZARD: table, chain, map and set names are recomputed at teardown.
 * @pure
 */
import { shortHash } from '../core/names.js';
import type { PortRecord } from '../state/ports.js';
import { ANY_HOST_IP } from '../state/stored-values.js';
import type { NetworkFirewall } from './firewall.js';

export const NFT_TABLE = 'inet tsnet';
const T = NFT_TABLE;

/** The sets and maps, declared by every transaction that might be the first. */
const DECLARATIONS = [
  `add table ${T}`,
  `add chain ${T} user`,
  `add map ${T} inbound { type ifname : verdict; }`,
  `add map ${T} egress { type ifname : verdict; }`,
  `add set ${T} localnet { type ifname; }`,
  `add map ${T} ports-any { type inet_proto . inet_service : ipv4_addr . inet_service; }`,
  `add map ${T} ports-ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }`,
];

/** chain — declares a chain (a base chain when `hook` is given), empties it and fills it. */
function chain(name: string, rules: readonly string[], hook?: string): string[] {
  return [
    `add chain ${T} ${name}${hook ? ` { ${hook}; policy accept; }` : ''}`,
    `flush chain ${T} ${name}`,
    ...rules.map((r) => `add rule ${T} ${name} ${r}`),
  ];
}

/** baseRuleset — the table, its maps and base chains; the same text every time (idempotent). */
export function baseRuleset(): string[] {
  return [
    ...DECLARATIONS,
    ...chain('forward', ['jump user', 'oifname vmap @inbound', 'iifname vmap @egress'], 'type filter hook forward priority filter'),
    ...chain('input', ['iifname @localnet ip daddr 127.0.0.0/8 ct state new,invalid drop'], 'type filter hook input priority filter'),
    ...chain('published', [
      'dnat ip to ip daddr . meta l4proto . th dport map @ports-ip',
      'meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ports-any',
    ]),
    // 127.0.0.0/8 only from the host itself (output): arriving on a route_localnet bridge,
    // it must not reach a port published on 127.0.0.1.
    ...chain('prerouting', ['ip daddr != 127.0.0.0/8 fib daddr type local jump published'], 'type nat hook prerouting priority dstnat'),
    ...chain('output', ['fib daddr type local jump published'], 'type nat hook output priority -100'),
  ];
}

/** nftNetworkChains — the per-network chain names (the hash iptables-rules uses). */
export function nftNetworkChains(bridge: string): { inbound: string; egress: string; post: string } {
  const id = shortHash(['fw', bridge], 10);
  return { inbound: `in-${id}`, egress: `out-${id}`, post: `post-${id}` };
}

const POST_HOOK = 'type nat hook postrouting priority srcnat';

/** networkRuleset — the network's chains and map elements, after the base (one transaction). */
export function networkRuleset(n: NetworkFirewall): string[] {
  const c = nftNetworkChains(n.bridge);
  const b = JSON.stringify(n.bridge);
  const lines = [
    ...chain(c.inbound, [
      'ct state established,related accept',
      ...(n.internal ? [] : ['ct status dnat accept']),
      `iifname ${b} return`,
      'drop',
    ]),
    ...chain(c.egress, [`oifname ${b} accept`, n.internal ? 'drop' : 'accept']),
    `add element ${T} inbound { ${b} : jump ${c.inbound} }`,
    `add element ${T} egress { ${b} : jump ${c.egress} }`,
  ];
  if (n.internal) return lines;
  return [
    ...lines,
    ...chain(c.post, [
      ...(n.ipMasq ? [`ip saddr ${n.subnet} oifname != ${b} masquerade`] : []),
      `ip saddr ${n.subnet} oifname ${b} ct status dnat masquerade`,
      `ip saddr 127.0.0.0/8 oifname ${b} masquerade`,
      ...(n.subnet6 && n.ipMasq ? [`ip6 saddr ${n.subnet6} oifname != ${b} masquerade`] : []),
    ], POST_HOOK),
    `add element ${T} localnet { ${b} }`,
  ];
}

/**
 * networkTeardown — removes every piece of the network in one transaction that also
 * succeeds when some or all of them are gone (each is added first, then deleted).
 */
export function networkTeardown(bridge: string): string[] {
  const c = nftNetworkChains(bridge);
  const b = JSON.stringify(bridge);
  return [
    ...DECLARATIONS,
    `add chain ${T} ${c.inbound}`,
    `add chain ${T} ${c.egress}`,
    `add chain ${T} ${c.post} { ${POST_HOOK}; policy accept; }`,
    `add element ${T} inbound { ${b} : jump ${c.inbound} }`,
    `add element ${T} egress { ${b} : jump ${c.egress} }`,
    `add element ${T} localnet { ${b} }`,
    `delete element ${T} inbound { ${b} }`,
    `delete element ${T} egress { ${b} }`,
    `delete element ${T} localnet { ${b} }`,
    ...[c.inbound, c.egress, c.post].flatMap((x) => [`flush chain ${T} ${x}`, `delete chain ${T} ${x}`]),
  ];
}

/** portElement — a mapping as a map element: key (host side) and value (container side). */
function portElement(p: PortRecord): { map: string; key: string; value: string } {
  const key = `${p.protocol} . ${p.hostPort}`;
  return p.hostIp === ANY_HOST_IP
    ? { map: 'ports-any', key, value: `${p.containerIp} . ${p.containerPort}` }
    : { map: 'ports-ip', key: `${p.hostIp} . ${key}`, value: `${p.containerIp} . ${p.containerPort}` };
}

/** addPorts — one `add element` per map for the mappings (no rule is added). */
export function addPorts(ports: readonly PortRecord[]): string[] {
  return byMap(ports, (map, es) => `add element ${T} ${map} { ${es.map((e) => `${e.key} : ${e.value}`).join(', ')} }`);
}

/** removePorts — the mappings' elements, added first so that the delete cannot fail when gone. */
export function removePorts(ports: readonly PortRecord[]): string[] {
  return [...DECLARATIONS, ...addPorts(ports), ...byMap(ports, (map, es) => `delete element ${T} ${map} { ${es.map((e) => e.key).join(', ')} }`)];
}

function byMap(ports: readonly PortRecord[], line: (map: string, es: Array<ReturnType<typeof portElement>>) => string): string[] {
  const elements = ports.map(portElement);
  return ['ports-any', 'ports-ip'].flatMap((map) => {
    const es = elements.filter((e) => e.map === map);
    return es.length > 0 ? [line(map, es)] : [];
  });
}

/** nftInput — commands as one `nft -f -` transaction. */
export function nftInput(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * nftErrorMessage — nft reports an error as three lines (message, the command, a caret
 * line); the one-line error keeps the message and the command it names, and points at
 * tsnet gc when a piece of the table is missing (someone flushed the ruleset).
 */
export function nftErrorMessage(stderr: string, code: number): string {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.includes('Error:'));
  const command = lines[at + 1]?.trim();
  const why = at < 0 ? (lines.find(Boolean) ?? `exit status ${code}`) : `${lines[at]!.replace(/^.*?Error: /, '')}${command ? ` (in "${command}")` : ''}`;
  return `nft -f: ${why}${/No such file or directory/.test(why) ? '; if the firewall was flushed, tsnet gc puts it back' : ''}`;
}

/**
 * portMapsReconcile — from `nft list map` listings of ports-any and ports-ip, the commands
 * that make the maps hold exactly the recorded mappings (gc): elements no record explains,
 * or pointing elsewhere, deleted; missing ones added. [] when they match. Only elements
 * whose container address is this root's (`owned`: in one of its subnets) are taken away:
 * another root on the same host keeps its own.
 */
export function portMapsReconcile(listings: Readonly<Record<string, string>>, ports: readonly PortRecord[], owned: (ip: string) => boolean): string[] {
  const want = new Map(ports.map(portElement).map((e) => [`${e.map} ${e.key}`, e]));
  const drop: string[] = [];
  const have = new Set<string>();
  for (const map of ['ports-any', 'ports-ip']) {
    for (const element of mapElements(listings[map] ?? '')) {
      const [key, value] = element.split(' : ');
      const id = `${map} ${key}`;
      if (want.get(id)?.value === value) have.add(id);
      else if (want.has(id) || owned(value?.split(' . ')[0] ?? '')) drop.push(`delete element ${T} ${map} { ${key} }`);
    }
  }
  return [...drop, ...addPorts(ports.filter((p) => !have.has(`${portElement(p).map} ${portElement(p).key}`)))];
}

/** mapElements — "key : value" texts of a map listing's `elements = { ... }`. */
function mapElements(listing: string): string[] {
  const m = /elements = \{([^}]*)\}/.exec(listing);
  return m ? m[1]!.split(',').map((e) => e.replace(/\s+/g, ' ').trim()).filter(Boolean) : [];
}
