/**
 * firewall — the FirewallBackend interface that networks, ports, detach and gc program the
 * firewall through, and the data it takes. Types only (plus one pure mapping): the backends
 * (iptables.ts, nftables.ts, none.ts) implement it and select-backend.ts picks one, so this
 * file imports nothing of theirs and the folder reads top-down.
 * @pure
 */
import type { NetworkRecord } from '../state/networks.js';
import type { PortRecord } from '../state/ports.js';

export const FIREWALL_BACKENDS = ['iptables', 'nftables', 'none'] as const;
export type FirewallBackendName = (typeof FIREWALL_BACKENDS)[number];

/** NetworkFirewall — what the firewall of one network depends on. */
export interface NetworkFirewall {
  /** Stable id the chain names derive from (the network's bridge name). */
  bridge: string;
  subnet: string;
  /** The IPv6 subnet of a dual-stack network: the same layout is installed for IPv6 too. */
  subnet6?: string | null | undefined;
  /** No traffic in or out of the subnet except between its members. */
  internal: boolean;
  /** MASQUERADE traffic leaving the network (Docker's ip-masq). */
  ipMasq: boolean;
}

export function networkFirewall(n: NetworkRecord): NetworkFirewall {
  return { bridge: n.bridge, subnet: n.subnet, subnet6: n.subnet6, internal: n.internal, ipMasq: n.ipMasq };
}

/**
 * FirewallBackend — every method changes host-wide tables, so callers hold the host lock
 * (engine/host-lock.ts) around each call: what to add is decided from what the kernel has
 * at that moment, and no other tsnet process changes it in between.
 */
export interface FirewallBackend {
  readonly name: FirewallBackendName;
  /** The host-wide pieces if missing, then the network's own; all or nothing. */
  installNetwork(n: NetworkFirewall): Promise<void>;
  /** Everything of the network's; quiet when already gone. */
  uninstallNetwork(n: NetworkFirewall): Promise<void>;
  /** The host-wide pieces, once no network is left (kept while the user hook holds rules). */
  uninstallBase(): Promise<void>;
  /** Whether the network's pieces are all there (gc repairs them when not). */
  networkInstalled(n: NetworkFirewall): Promise<boolean>;
  /** Adds mappings of one attachment; `existing` are its mappings already installed. */
  publish(bridge: string, existing: readonly PortRecord[], added: readonly PortRecord[]): Promise<void>;
  /** Removes mappings of one attachment; `kept` stay. Quiet when already gone. */
  unpublish(bridge: string, kept: readonly PortRecord[], removed: readonly PortRecord[]): Promise<void>;
  /**
   * reconcilePorts — gc: the kernel made to hold exactly the recorded mappings (missing ones
   * added, doubled ones and those no record explains removed; `owned` says which container
   * addresses are this root's), in one batch per table. Returns one line per change made
   * (or, with dryRun, that would be).
   */
  reconcilePorts(groups: ReadonlyArray<{ bridge: string; ports: readonly PortRecord[] }>, owned: (ip: string) => boolean, dryRun: boolean): Promise<string[]>;
}
