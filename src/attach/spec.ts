/**
 * spec — the typed attach request that the pipework grammar parser produces and the attach
 * engine consumes. Pure data; nothing here touches the kernel.
 */
import type { Family } from '../ipam/cidr.js';

/** GuestRef — how the user named the guest; resolved to a netns fd once, then never again. */
export type GuestRef =
  | { kind: 'container'; name: string }
  /** explicit: named as netns:NAME, so never taken for a container of the same name. */
  | { kind: 'netns'; name: string; explicit?: boolean | undefined }
  | { kind: 'pid'; pid: number }
  | { kind: 'path'; path: string };

/** HostIfRef — the host interface: by name, or by MAC (`mac:aa:bb:..`, pipework's form). */
export type HostIfRef = { kind: 'name'; name: string } | { kind: 'mac'; mac: string };

export interface StaticAddress {
  family: Family;
  /** "10.0.0.2/24", canonical text. */
  cidr: string;
}

export type IpSpec =
  | { mode: 'static'; addresses: StaticAddress[]; gateway?: { family: Family; ip: string } | undefined }
  | { mode: 'none' }
  /** No IPSPEC and HOSTIF is a tsnet network: its next free address, default route via its gateway. */
  | { mode: 'network' }
  | { mode: 'dhcp'; options: string };

export interface AttachRequest {
  hostIf: HostIfRef;
  guest: GuestRef;
  /** Interface name inside the guest (pipework default eth1). */
  ctrIf: string;
  /** Host-side interface name from -l; derived when absent. */
  hostSideName?: string | undefined;
  /** -a 4|6: forces the family the addresses must have. */
  family?: Family | undefined;
  ip: IpSpec;
  /** Explicit MAC, already normalised to lower-case colon form. */
  mac?: string | undefined;
  /** The U:<string> seed a MAC was derived from, kept for inspect. */
  macSeed?: string | undefined;
  vlan?: number | undefined;
  /** --direct-phys: move the host interface itself into the guest. */
  directPhys: boolean;
}

/** describeGuest — stable text form of a GuestRef, stored in state and shown by ls. */
export function describeGuest(g: GuestRef): string {
  switch (g.kind) {
    case 'container': return `container:${g.name}`;
    case 'netns': return `netns:${g.name}`;
    case 'pid': return `pid:${g.pid}`;
    case 'path': return `path:${g.path}`;
  }
}

/** guestFromText — the inverse of describeGuest, for rows read back from state. */
export function guestFromText(text: string): GuestRef {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (kind) {
    case 'container': return { kind, name: rest };
    case 'netns': return { kind, name: rest, explicit: true };
    case 'pid': return { kind, pid: Number(rest) };
    default: return { kind: 'path', path: rest };
  }
}
