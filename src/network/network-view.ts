/**
 * network-view — a network as `network ls`, `network inspect` and `network create` show it
 * (one shape for all three): its record, the settings that decide its traffic (internal,
 * icc, ip-masq, firewall), its DHCP server with the leases handed out, and the members on
 * its bridge. Read from state only: cheap enough for every listing.
 */
import { TsnetError } from '../core/errors.js';
import type { EngineContext } from '../engine/context.js';
import type { NetworkRecord } from '../state/networks.js';
import type { ServerRecord } from '../state/dhcp-servers.js';
import { validateNetworkName } from './network-name.js';

export interface NetworkMemberView { guest: string; interface: string; hostInterface: string; mac: string | null; addresses: string[] }

export interface DhcpServerView {
  rangeStart: string; rangeEnd: string; leaseSeconds: number; routers: string[]; dns: string[];
  reservations: Array<{ mac: string; ip: string }>;
  leases: Array<{ ip: string; mac: string; hostname: string | null; state: 'offered' | 'bound' | 'declined'; expiresAt: string; port: string | null }>;
}

export interface NetworkView {
  id: number; name: string; bridge: string; bridgeCreated: boolean; subnet: string; gateway: string; ipRange: string | null;
  subnet6: string | null; gateway6: string | null; mtu: number; internal: boolean; icc: boolean; ipMasq: boolean; firewall: boolean;
  dhcpServer: DhcpServerView | null; createdAt: string; members: NetworkMemberView[];
}

function dhcpServerView(ctx: EngineContext, s: ServerRecord): DhcpServerView {
  const c = s.config;
  return {
    rangeStart: c.rangeStart, rangeEnd: c.rangeEnd, leaseSeconds: c.leaseSecs, routers: [...c.routers], dns: [...c.dns],
    reservations: Object.entries(c.reservations).map(([mac, ip]) => ({ mac, ip })),
    leases: ctx.dhcpServers.leases(s.networkId).map((l) => ({
      ip: l.ip, mac: l.mac, hostname: l.hostname, state: l.state, expiresAt: new Date(l.expiresAt).toISOString(), port: l.port ?? null,
    })),
  };
}

/** networkViews — every network (names omitted) or the named ones, in that order; an unknown name is ENOTFOUND. */
export function networkViews(ctx: EngineContext, names?: readonly string[]): NetworkView[] {
  let records: NetworkRecord[];
  if (names === undefined) records = ctx.networks.all();
  else {
    records = names.map((name) => {
      validateNetworkName(name);
      const n = ctx.networks.get(name);
      if (!n) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
      return n;
    });
  }
  if (records.length === 0) return [];
  const servers = ctx.dhcpServers.all();
  const attachments = ctx.attachments.all();
  return records.map((n) => {
    const server = servers.find((s) => s.networkId === n.id);
    return {
      id: n.id, name: n.name, bridge: n.bridge, bridgeCreated: n.bridgeCreated, subnet: n.subnet, gateway: n.gateway, ipRange: n.ipRange,
      subnet6: n.subnet6, gateway6: n.gateway6, mtu: n.mtu, internal: n.internal, icc: n.icc, ipMasq: n.ipMasq, firewall: n.firewall,
      dhcpServer: server ? dhcpServerView(ctx, server) : null, createdAt: n.createdAt,
      members: attachments.filter((a) => a.hostTarget === n.bridge)
        .map((a) => ({ guest: a.guest, interface: a.ctrIf, hostInterface: a.hostIf, mac: a.mac, addresses: a.addresses })),
    };
  });
}
