/**
 * dhcp-context — the part of the engine's context that the lease keeper, the DHCP server
 * and the keeper's supervisor use. engine/context.ts's EngineContext has all of it; it is
 * declared here so that dhcp/ imports nothing from the floors above it.
 */
import type { LinkOps, NetnsRef } from '../netlink/linkops.js';
import type { ContainerLookup } from '../netns/guest.js';
import type { AttachmentRepo } from '../state/attachments.js';
import type { ContainerRepo } from '../state/containers.js';
import type { NetworkRepo } from '../state/networks.js';
import type { DhcpLeaseRepo } from '../state/dhcp-leases.js';
import type { DhcpServerRepo } from '../state/dhcp-servers.js';

/** KeeperMeta — the root's facts the keeper's home is kept in (dhcp/keeper-netns.ts). */
export interface KeeperMeta { get(key: string): string | undefined; setOnce(key: string, value: string): void; set(key: string, value: string): void }

export interface DhcpContext {
  readonly root: string;
  readonly attachments: AttachmentRepo;
  readonly dhcpLeases: DhcpLeaseRepo;
  readonly dhcpServers: DhcpServerRepo;
  /** Containers and networks, for the embedded DNS the keeper also serves (an EngineContext has them). */
  readonly containers?: ContainerRepo | undefined;
  readonly networks?: NetworkRepo | undefined;
  /** Finds the root's containers' network namespaces for guests named container:NAME. */
  readonly containerLookup?: ContainerLookup | undefined;
  /** The netns that plays the host, when it is not the process's own (a lab's simulated host). */
  readonly hostNetns?: NetnsRef | undefined;
  /** The root's small facts (state/meta.ts): where the keeper runs is one. */
  readonly meta?: KeeperMeta | undefined;
  /** A fresh LinkOps inside a guest netns; the caller closes it. */
  guestLinks(netns: NetnsRef): Promise<LinkOps>;
  /** The shared LinkOps of the host (the DHCP server asks its bridges' forwarding databases). */
  hostLinks(): Promise<LinkOps>;
}
