/**
 * view — the public shape of an attachment, as `ls`, `inspect` and --json show it.
 */
import type { AttachmentRecord } from '../state/attachments.js';
import type { LeaseRecord } from '../state/dhcp-leases.js';

/** DhcpView — the lease of a dhcp attachment: the keeper's phase and when the lease runs out. */
export interface DhcpView {
  phase: string;
  server: string | null;
  leaseSeconds: number | null;
  renewsAt: string | null;
  expiresAt: string | null;
  dns: string[];
  clientId: string;
}

export interface AttachmentView {
  guest: string;
  netnsId: string;
  interface: string;
  kind: string;
  hostInterface: string;
  attachedTo: string;
  mac: string | null;
  vlan: number | null;
  addresses: string[];
  gateway: string | null;
  createdAt: string;
  dhcp?: DhcpView | undefined;
}

/**
 * dhcpView — a lease row as shown. DNS servers are recorded but not written anywhere yet:
 * only a tsnet container's resolv.conf is tsnet's to write, and containers come later.
 */
export function dhcpView(l: LeaseRecord): DhcpView {
  const at = (secs: number | undefined): string | null => (l.lease && secs !== undefined ? new Date(l.lease.boundAt + secs * 1000).toISOString() : null);
  return {
    phase: l.phase, server: l.lease?.serverId ?? null, leaseSeconds: l.lease?.leaseSecs ?? null,
    renewsAt: at(l.lease?.t1Secs), expiresAt: at(l.lease?.leaseSecs), dns: l.lease?.dns ?? [], clientId: l.clientId,
  };
}

export function attachmentView(r: AttachmentRecord, lease?: LeaseRecord): AttachmentView {
  return {
    guest: r.guest,
    netnsId: r.netnsId,
    interface: r.ctrIf,
    kind: r.kind,
    hostInterface: r.hostIf,
    attachedTo: r.hostTarget,
    mac: r.mac,
    vlan: r.vlan,
    addresses: r.addresses,
    gateway: r.gateway,
    createdAt: r.createdAt,
    ...(lease ? { dhcp: dhcpView(lease) } : {}),
  };
}
