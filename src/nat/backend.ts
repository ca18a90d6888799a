/**
 * backend — the FirewallBackend interface that networks, ports, detach and gc program the
 * firewall through, and the choice of backend for a state root: `iptables` (rules in the
 * filter/nat tables, iptables-restore), `nftables` (a table of tsnet's own, one `nft -f`
 * per change, port mappings as map elements) or `none` (nothing is installed: the user's
 * own firewall does it). The choice is made once per state root and stored in it, because
 * teardown and gc must find the rules where they were put.
 */
import { TsnetError, invalid } from '../core/errors.js';
import { run } from '../core/exec.js';
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
}

/** noneBackend — --firewall-backend none: tsnet installs nothing and reports everything in place. */
const noneBackend: FirewallBackend = {
  name: 'none',
  installNetwork: async () => undefined,
  uninstallNetwork: async () => undefined,
  uninstallBase: async () => undefined,
  networkInstalled: async () => true,
  publish: async () => undefined,
  unpublish: async () => undefined,
};

export function parseBackendName(name: string): FirewallBackendName {
  if (!(FIREWALL_BACKENDS as readonly string[]).includes(name)) throw invalid(`firewall backend "${name}" is not one of ${FIREWALL_BACKENDS.join(', ')}`);
  return name as FirewallBackendName;
}

/** firewallBackend — the implementation; each is loaded only when used (literal requires for the bundle). */
export function firewallBackend(name: FirewallBackendName): FirewallBackend {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (name === 'iptables') return (require('./iptables.js') as typeof import('./iptables.js')).iptablesBackend;
  if (name === 'nftables') return (require('./nftables.js') as typeof import('./nftables.js')).nftablesBackend;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return noneBackend;
}

/**
 * chooseBackend — the state root's backend: the stored one (a different request is an
 * error: rules already made would be stranded), else the request, else iptables for a root
 * that already has networks (they were made before the choice existed), else the default.
 */
export async function chooseBackend(stored: string | undefined, requested: string | undefined, hasNetworks: boolean,
  detect: () => Promise<FirewallBackendName> = detectDefault): Promise<{ name: FirewallBackendName; store: boolean }> {
  const wanted = requested === undefined ? undefined : parseBackendName(requested);
  const known = stored !== undefined ? parseBackendName(stored) : hasNetworks ? 'iptables' : undefined;
  if (known !== undefined && wanted !== undefined && wanted !== known) {
    throw new TsnetError('ECONFLICT', `this state root uses the ${known} firewall backend (chosen on first use); --firewall-backend ${wanted} would strand its rules: leave the flag out, or use another --root`);
  }
  return { name: known ?? wanted ?? (await detect()), store: stored === undefined };
}

/**
 * detectDefault — iptables when it works here, else nftables. iptables is preferred because
 * its chains live in the filter table that other tools (ufw, Docker, firewalld's direct
 * rules) also use: a FORWARD policy of DROP there would drop tsnet's traffic even after a
 * table of our own accepted it, and users' habits (iptables -I TSNET-USER) keep working.
 */
export async function detectDefault(): Promise<FirewallBackendName> {
  const r = await run(['iptables', '-w', '-S', 'FORWARD'], { allowFailure: true }).catch(() => undefined);
  return r?.code === 0 ? 'iptables' : 'nftables';
}
