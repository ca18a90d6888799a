/**
 * state-check — values read back from state are checked again before they become rule
 * text: a state file is input like any other (edited by hand, written by another version,
 * damaged), and a bridge name such as "x -j ACCEPT" or "eth+" would change what a rule
 * means. Pure; the backends run every network and port through these before building lines.
 * @pure
 */
import { TsnetError } from '../core/errors.js';
import { validateIfName } from '../core/names.js';
import { parseCidr, parseIp } from '../ipam/cidr.js';
import type { PortRecord } from '../state/ports.js';
import type { NetworkFirewall } from './firewall.js';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function bad(what: string, e: unknown): TsnetError {
  return new TsnetError('ESTATE', `state holds a bad ${what} (${(e as Error).message}); it was not written by this tsnet, fix or remove it`);
}

/** checkedNetwork — the network's bridge name and subnets, valid, or an ESTATE error naming the bad value. */
export function checkedNetwork(n: NetworkFirewall): NetworkFirewall {
  try {
    validateIfName(n.bridge, 'bridge');
    parseCidr(n.subnet, 'subnet');
    if (n.subnet6) parseCidr(n.subnet6, 'IPv6 subnet');
  } catch (e) {
    throw bad(`network (bridge ${JSON.stringify(n.bridge)})`, e);
  }
  return n;
}

/** checkedPorts — each mapping's addresses, ports and protocol, valid, or an ESTATE error naming it. */
export function checkedPorts(ports: readonly PortRecord[]): readonly PortRecord[] {
  for (const p of ports) {
    try {
      if (!PROTOCOLS.has(p.protocol)) throw new Error(`protocol ${JSON.stringify(p.protocol)}`);
      parseIp(p.hostIp, 'host address');
      parseIp(p.containerIp, 'container address');
      for (const port of [p.hostPort, p.containerPort]) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${JSON.stringify(port)}`);
      }
    } catch (e) {
      throw bad(`published port (row ${p.id})`, e);
    }
  }
  return ports;
}
