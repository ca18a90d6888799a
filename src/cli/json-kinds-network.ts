/**
 * json-kinds-network — the --json kinds of networking: attachments, networks and their plans,
 * ports, DHCP, gc, and commands run inside a guest. Part of cli/json-schema.ts (which lists
 * which command prints which kind). @pure: imports only zod.
 */
import { z } from 'zod';
import { nullable, obj, planStep, timestamp } from './json-kinds-base.js';

/** dhcpClient — the lease a dhcp attachment holds, as its keeper last recorded it. */
export const dhcpClient = obj({
  phase: z.string(),
  server: nullable(z.string()),
  leaseSeconds: nullable(z.number()),
  renewsAt: nullable(timestamp),
  expiresAt: nullable(timestamp),
  dns: z.array(z.string()),
  clientId: z.string(),
});

/** attachment — `tsnet ls`, `tsnet inspect GUEST` (not a container), attach's result. */
export const attachment = obj({
  guest: z.string(),
  netnsId: z.string(),
  interface: z.string(),
  kind: z.string(),
  hostInterface: z.string(),
  attachedTo: z.string().describe('the bridge or NIC the host side is on'),
  network: nullable(z.string()).describe('the tsnet network whose bridge this is'),
  mac: nullable(z.string()),
  vlan: nullable(z.number().int()),
  addresses: z.array(z.string()),
  gateway: nullable(z.string()).describe('the IPv4 gateway: the one given, else the DHCP server'),
  gateway6: nullable(z.string()).describe('the IPv6 gateway: the one given, or the dual-stack network\'s'),
  createdAt: timestamp,
  dhcp: nullable(dhcpClient),
  state: z.enum(['up', 'down', 'missing', 'gone', 'removed']).describe('up: link up with carrier; down: not; missing: the netns is there, the interface not; gone: the netns is; removed: detach just removed it'),
});

/** networkMember — an attachment on a network's bridge, as network ls/inspect list them. */
export const networkMember = obj({
  guest: z.string(),
  interface: z.string(),
  hostInterface: z.string(),
  mac: nullable(z.string()),
  addresses: z.array(z.string()),
});

/** dhcpServerLease — a lease tsnet's DHCP server handed out. */
export const dhcpServerLease = obj({
  ip: z.string(),
  mac: z.string(),
  hostname: nullable(z.string()),
  state: z.enum(['offered', 'bound', 'declined']),
  expiresAt: timestamp,
  port: nullable(z.string()).describe('the bridge port the client is behind'),
});

/** dhcpServer — a network's DHCP server settings and its leases. */
export const dhcpServer = obj({
  rangeStart: z.string(),
  rangeEnd: z.string(),
  leaseSeconds: z.number(),
  routers: z.array(z.string()),
  dns: z.array(z.string()),
  reservations: z.array(obj({ mac: z.string(), ip: z.string() })),
  leases: z.array(dhcpServerLease),
});

/** networkSettings — what a network is, in the network kind and in a plan to make one alike. */
const networkSettings = {
  name: z.string(),
  bridge: z.string(),
  subnet: z.string(),
  gateway: z.string(),
  ipRange: nullable(z.string()),
  subnet6: nullable(z.string()),
  gateway6: nullable(z.string()),
  mtu: z.number().int(),
  internal: z.boolean(),
  icc: z.boolean(),
  ipMasq: z.boolean(),
  firewall: z.boolean().describe('tsnet installs firewall rules for it'),
};

/** network — `network ls`, `network inspect`, `network create`'s result, init's network. */
export const network = obj({
  id: z.number().int(),
  ...networkSettings,
  bridgeCreated: z.boolean().describe('tsnet made the bridge (and removes it with the network)'),
  dhcpServer: nullable(dhcpServer),
  createdAt: timestamp,
  members: z.array(networkMember),
});

/** networkPlan — `network create --dry-run` and `init --dry-run`: every value the real run would choose, and its steps. */
export const networkPlan = obj({
  dryRun: z.literal(true),
  ...networkSettings,
  bridgeExists: z.boolean().describe('the bridge is there already: used, not created'),
  firewallBackend: nullable(z.string()).describe('whose rules: iptables or nftables; null without rules'),
  ipForward: nullable(z.boolean()).describe('whether it turns on forwarding; null when not known (an existing network)'),
  dhcpServer: nullable(obj({ rangeStart: z.string(), rangeEnd: z.string(), leaseSeconds: z.number(), dns: z.array(z.string()) })),
  steps: z.array(planStep),
});

/** networkPrune — `network prune` and its --dry-run. */
export const networkPrune = obj({
  dryRun: z.boolean(),
  networksDeleted: z.array(z.string()).describe('removed (a dry run: would be removed)'),
  kept: z.array(obj({ name: z.string(), reason: z.string() })),
  errors: z.array(obj({ name: z.string(), error: z.string(), code: z.string() })),
  steps: z.array(planStep).describe('a dry run\'s steps; [] for a real run'),
});

/** dhcpLease — a lease the keeper keeps for a dhcp attachment (`dhcp leases`, `dhcp status`). */
export const dhcpLease = obj({
  guest: z.string(), interface: z.string(), attachedTo: z.string(), mac: z.string(), hostname: nullable(z.string()),
  address: nullable(z.string()).describe('address/prefix, null until one is granted'), server: nullable(z.string()),
  obtainedAt: nullable(timestamp), renewsAt: nullable(timestamp), rebindsAt: nullable(timestamp), expiresAt: nullable(timestamp),
  leaseSeconds: nullable(z.number()), phase: z.string(), updatedAt: timestamp,
});

/** dhcpStatus — `tsnet dhcp status`: the lease keeper, the leases it keeps, tsnet's DHCP servers, its log's end. */
export const dhcpStatus = obj({
  keeper: obj({ running: z.boolean(), pid: nullable(z.number().int()), since: nullable(timestamp), netns: nullable(z.string()), log: z.string() }),
  leases: z.array(dhcpLease),
  servers: z.array(obj({
    network: z.string(), bridge: z.string(), serverIp: z.string(), rangeStart: z.string(), rangeEnd: z.string(), leaseSeconds: z.number(), leasesGiven: z.number().int(),
  })),
  log: z.array(z.string()).describe('the last lines of the keeper log, each "RFC3339-time message"'),
});

/** dhcpUnit — `tsnet dhcp unit`: the keeper's systemd unit for this installation, where it goes, the instance for --root. */
export const dhcpUnit = obj({
  file: z.string().describe('where the template unit is installed'),
  instance: z.string().describe('the unit to enable for this root, e.g. tsnet-dhcp-keeper@var-lib-tsnet.service'),
  root: z.string(),
  unit: z.string().describe('the unit file text'),
});

/** initResult — `tsnet init`. */
export const initResult = obj({ created: z.boolean(), network });

/** networkRemoval — one entry of `network rm A B C` (every name tried). */
export const networkRemoval = obj({
  name: z.string(),
  removed: z.boolean().describe('false on error and in a dry run'),
  dryRun: z.boolean(),
  bridge: nullable(z.string()),
  subnet: nullable(z.string()),
  error: nullable(z.string()),
  code: nullable(z.string()),
});

/** portMapping — `port ls`, `port GUEST`, `port publish`, `port unpublish`. */
export const portMapping = obj({
  guest: z.string(),
  interface: z.string(),
  network: z.string(),
  protocol: z.enum(['tcp', 'udp', 'sctp']),
  hostIp: z.string(),
  hostPort: z.number().int(),
  containerIp: z.string(),
  containerPort: z.number().int(),
});

/** portsPlan — `port publish|unpublish --dry-run`: the guest's interface and network, the mappings it would make (host ports chosen) or remove, the steps. */
export const portsPlan = obj({
  dryRun: z.literal(true),
  guest: z.string(),
  interface: z.string(),
  network: z.string(),
  containerIp: nullable(z.string()).describe('null: the guest has no IPv4 address on the network'),
  ports: z.array(portMapping),
  steps: z.array(planStep),
});

/** attachResult — attach and network connect (a real run). */
export const attachResult = obj({
  dryRun: z.literal(false),
  changed: z.boolean(),
  message: z.string(),
  attachment: nullable(attachment).describe('null when a container was connected (it is on the network from its next look)'),
  warnings: z.array(z.string()),
});

/** detachResult — detach and network disconnect (a real run). */
export const detachResult = obj({
  dryRun: z.literal(false),
  changed: z.boolean(),
  message: z.string(),
  removed: z.array(attachment),
  warnings: z.array(z.string()),
});

/** attachPlan — attach / network connect --dry-run: what it would make (steps empty: nothing to do). */
export const attachPlan = obj({
  dryRun: z.literal(true),
  changed: z.literal(false),
  message: z.string(),
  guest: z.string(),
  interface: nullable(z.string()),
  hostInterface: nullable(z.string()),
  attachedTo: nullable(z.string()).describe('the bridge or NIC it would attach to'),
  network: nullable(z.string()),
  steps: z.array(planStep),
});

/** detachPlan — detach / network disconnect --dry-run: what it would remove. */
export const detachPlan = obj({
  dryRun: z.literal(true),
  changed: z.literal(false),
  message: z.string(),
  removed: z.array(attachment).describe('the attachments it would remove'),
  steps: z.array(planStep),
});

/** gcAction — one thing gc did (or would do). */
export const gcAction = obj({
  action: z.enum(['settle', 'remove', 'repair', 'restore', 'reconcile', 'update']),
  kind: z.enum(['operation', 'record', 'interface', 'bridge', 'network', 'firewall', 'port', 'container', 'path']),
  target: z.string().describe('what it was done to: a network, interface, record, container'),
  detail: nullable(z.string()).describe('what exactly, for people'),
});

/** gcReport — `tsnet gc` and `tsnet gc --dry-run`. */
export const gcReport = obj({
  dryRun: z.boolean(),
  actions: z.array(gcAction),
  errors: z.array(obj({ kind: z.enum(['container', 'network']), error: z.string() })),
});

/** guestCommand — `route`, `rule`, `tc` inside a guest: what ip or tc printed. */
export const guestCommand = obj({ stdout: z.string() });
