/**
 * view — the public shape of an attachment, as `ls`, `inspect` and --json show it.
 */
import type { AttachmentRecord } from '../state/attachments.js';

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
}

export function attachmentView(r: AttachmentRecord): AttachmentView {
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
  };
}
