/**
 * network — the tsnet network a CNI config names, made on first ADD (like podman's default
 * network) and shared with `tsnet network ls/inspect`: its bridge, subnet, gateway, MTU and
 * MASQUERADE come from the config. A config that disagrees with the network as it exists
 * is refused, naming the key, rather than silently using other values.
 */
import type { EngineContext } from '../engine/context.js';
import { formatCidr, network as networkOf, parseCidr } from '../ipam/cidr.js';
import { createNetwork } from '../network/network.js';
import type { NetworkRecord } from '../state/networks.js';
import { CNI_CODE, CniError } from './errors.js';
import type { CniConfig } from './config.js';

/** Wanted — what the config (or a delegated IPAM's first address) says the network must be. */
export interface Wanted {
  subnet: string;
  gateway?: string | undefined;
  /** Dual stack: "auto" (a /64 of the root's ULA /48) or an IPv6 CIDR. */
  subnet6?: string | undefined;
  gateway6?: string | undefined;
}

/** ensureNetwork — the network, created under the host lock when missing (a parallel ADD may win: then it is used). */
export async function ensureNetwork(ctx: EngineContext, conf: CniConfig, wanted: Wanted): Promise<NetworkRecord> {
  const existing = ctx.networks.get(conf.network);
  // A row whose bridge is not there yet is a network another ADD is making right now (under
  // the host lock): wait for it below rather than attach to a bridge that does not exist.
  if (existing && (await (await ctx.hostLinks()).getLink(existing.bridge))) return compatible(existing, conf, wanted);
  return ctx.hostLock.withLock(`CNI network ${conf.network}`, async () => {
    const now = ctx.networks.get(conf.network);
    if (now) return compatible(now, conf, wanted);
    const { network } = await createNetwork(ctx, {
      name: conf.network, subnet: wanted.subnet, gateway: wanted.gateway, bridge: conf.bridge, mtu: conf.mtu, ipMasq: conf.ipMasq,
      ipv6: wanted.subnet6 !== undefined, subnet6: wanted.subnet6, gateway6: wanted.gateway6,
    });
    return network!;
  });
}

/** existingNetwork — the network if it exists (DEL, CHECK, GC and STATUS never create one). */
export function existingNetwork(ctx: EngineContext, conf: CniConfig): NetworkRecord | undefined {
  return ctx.networks.get(conf.network);
}

function compatible(n: NetworkRecord, conf: CniConfig, wanted: Wanted): NetworkRecord {
  const differs = (key: string, want: unknown, have: unknown): never => {
    throw new CniError(CNI_CODE.invalidConfig, 'invalid network configuration',
      `${key} ${JSON.stringify(want)} differs from tsnet network ${n.name}'s ${JSON.stringify(have)}; use the network's value or another network name`);
  };
  if (conf.bridge !== undefined && conf.bridge !== n.bridge) differs('bridge', conf.bridge, n.bridge);
  if (wanted.subnet !== 'auto' && canonical(wanted.subnet) !== canonical(n.subnet)) differs('subnet', wanted.subnet, n.subnet);
  if (wanted.gateway !== undefined && wanted.gateway !== n.gateway) differs('gateway', wanted.gateway, n.gateway);
  if (wanted.subnet6 !== undefined && n.subnet6 === null) differs('subnet6', wanted.subnet6, null);
  if (wanted.subnet6 !== undefined && wanted.subnet6 !== 'auto' && canonical(wanted.subnet6) !== canonical(n.subnet6!)) differs('subnet6', wanted.subnet6, n.subnet6);
  if (conf.mtu !== undefined && conf.mtu !== n.mtu) differs('mtu', conf.mtu, n.mtu);
  if (conf.ipMasq !== undefined && conf.ipMasq !== n.ipMasq) differs('ipMasq', conf.ipMasq, n.ipMasq);
  return n;
}

function canonical(cidr: string): string {
  return formatCidr(networkOf(parseCidr(cidr)));
}
