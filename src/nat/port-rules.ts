/**
 * port-rules — the iptables rules of published ports: one nat chain per attachment, one
 * DNAT rule per mapping, so publishing rebuilds just that attachment's chain (one
 * iptables-restore) and teardown is exact:
 *   nat TSNET -> TSNET-D-<id>:  [-d HOSTIP] -p P --dport HOSTPORT -j DNAT --to CTRIP:CTRPORT
 * No filter rule: the network's inbound chain accepts DNATed connections (iptables-rules.ts).
 * No `! -i BRIDGE` either: guests reach each other's published ports through the host's
 * address (hairpin), as Docker does without its userland proxy.
 * Pure; forms are exactly what iptables-save prints, so "is this jump there" is a string test.
 * UPGRADE HAZARD: chain names are recomputed at teardown.
 */
import { shortHash } from '../core/names.js';
import { ANY_HOST_IP, type PortRecord } from '../state/ports.js';
import { removeChains } from './iptables-rules.js';

/** portChain — the nat chain of one attachment's ports, keyed by its bridge and container address. */
export function portChain(bridge: string, containerIp: string): string {
  return `TSNET-D-${shortHash(['ports', bridge, containerIp], 10)}`;
}

/**
 * portRules — one DNAT rule per mapping in the attachment's chain. `new` (its first publish)
 * declares the chain and adds the jump to it; `append` adds the rules alone; `rebuild`
 * redeclares the chain (so --noflush empties it) and refills it. State says which applies,
 * so a publish reads nothing back and costs the same however many mappings exist.
 */
export function portRules(bridge: string, ports: readonly PortRecord[], mode: 'new' | 'append' | 'rebuild'): string[] {
  const chain = portChain(bridge, ports[0]!.containerIp);
  return [
    ...(mode === 'append' ? [] : [`:${chain} - [0:0]`]),
    ...(mode === 'new' ? [`-A TSNET -j ${chain}`] : []),
    ...ports.map((p) => {
      const dst = p.hostIp === ANY_HOST_IP ? '' : `-d ${p.hostIp}/32 `;
      return `-A ${chain} ${dst}-p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`;
    }),
  ];
}

/** portTeardown — removes one attachment's port chain and the jump to it, from iptables-save -t nat. */
export function portTeardown(bridge: string, containerIp: string, saved: string): string[] {
  return removeChains([portChain(bridge, containerIp)], saved);
}
