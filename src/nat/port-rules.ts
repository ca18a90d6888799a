/**
 * port-rules — the iptables rules of published ports, one pair of chains per attachment so
 * that publishing more ports rebuilds just that attachment's chains and teardown is exact:
 *   nat    TSNET -> TSNET-D-<id>:  [-d HOSTIP] ! -i BRIDGE -p P --dport HOSTPORT -j DNAT --to CTRIP:CTRPORT
 *   filter TSNET-I-<network>, before its DROP -> TSNET-P-<id>:  -d CTRIP ! -i BRIDGE -o BRIDGE -p P --dport CTRPORT -j ACCEPT
 * Pure; forms are exactly what iptables-save prints, so "is this jump there" is a string test.
 * UPGRADE HAZARD: chain names are recomputed at teardown.
 */
import { shortHash } from '../core/names.js';
import { ANY_HOST_IP, type PortRecord } from '../state/ports.js';
import { networkChains, removeChains } from './iptables-rules.js';

/** portChains — the chains of one attachment's ports, keyed by its bridge and container address. */
export function portChains(bridge: string, containerIp: string): { accept: string; dnat: string } {
  const id = shortHash(['ports', bridge, containerIp], 10);
  return { accept: `TSNET-P-${id}`, dnat: `TSNET-D-${id}` };
}

function matchPort(protocol: string, port: number): string {
  return `-p ${protocol} -m ${protocol} --dport ${port}`;
}

/**
 * portRules — the attachment's chains (redeclared, so --noflush empties them first) with one
 * rule per mapping, and the jumps to them when `saved` (iptables-save of the table) lacks them.
 */
export function portRules(bridge: string, ports: readonly PortRecord[], saved: { filter: string; nat: string }): { filter: string[]; nat: string[] } {
  const containerIp = ports[0]!.containerIp;
  const c = portChains(bridge, containerIp);
  const inbound = networkChains(bridge).inbound;
  const has = (text: string, line: string): boolean => text.split('\n').includes(line);
  const filterJump = `-A ${inbound} -j ${c.accept}`;
  const natJump = `-A TSNET -j ${c.dnat}`;
  const filter = [
    `:${c.accept} - [0:0]`,
    // Third: after the conntrack accept and the members' RETURN, before the DROP.
    ...(has(saved.filter, filterJump) ? [] : [`-I ${inbound} 3 -j ${c.accept}`]),
    ...ports.map((p) => `-A ${c.accept} -d ${p.containerIp}/32 ! -i ${bridge} -o ${bridge} ${matchPort(p.protocol, p.containerPort)} -j ACCEPT`),
  ];
  const nat = [
    `:${c.dnat} - [0:0]`,
    ...(has(saved.nat, natJump) ? [] : [natJump]),
    ...ports.map((p) => {
      const dst = p.hostIp === ANY_HOST_IP ? '' : `-d ${p.hostIp}/32 `;
      return `-A ${c.dnat} ${dst}! -i ${bridge} ${matchPort(p.protocol, p.hostPort)} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`;
    }),
  ];
  return { filter, nat };
}

/** portTeardown — removes one attachment's port chains and the jumps to them. */
export function portTeardown(bridge: string, containerIp: string, saved: string): string[] {
  const c = portChains(bridge, containerIp);
  return removeChains([c.accept, c.dnat], saved);
}
