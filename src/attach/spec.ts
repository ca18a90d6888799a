/**
 * spec — the typed attach request that the pipework grammar parser produces and the attach
 * engine consumes. Pure data; nothing here touches the kernel.
 * @pure
 */
import type { Family } from '../ipam/cidr.js';
import type { GuestRef } from '../netns/guest-ref.js';

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
  /** options: tsnet's dhcp option text; client: the pipework client form it came from (udhcpc-f, ...). */
  | { mode: 'dhcp'; options: string; client?: string | undefined };

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
  /** No default route via the network's gateway (CNI isGateway=false); network mode only. */
  noDefaultRoute?: boolean | undefined;
  /** The CNI attachment this is (stored with the record), so DEL and GC find it without its netns. */
  cni?: CniOwner | undefined;
}

/** CniOwner — a CNI runtime's name for an attachment: its network, container id and interface. */
export interface CniOwner {
  network: string;
  containerId: string;
  ifname: string;
}
