/**
 * json-schema — the fixed shape of every object kind tsnet prints with --json, as zod
 * schemas. @pure: imports only zod. The CLI imports only the types from here (`import type`,
 * erased at build time), so zod is never loaded on the command path; tests and
 * scripts/json-schema.mjs load the schemas. docs/json-schema/tsnet-output.schema.json is
 * generated from OUTPUT_KINDS and a unit test keeps it equal to what this file generates.
 *
 * Conventions (BRIEF): every key always present (null when unknown or not applicable), keys
 * camelCase, timestamps RFC 3339 strings, durations in seconds, listings and inspects are
 * arrays of one kind, dry runs are {dryRun: true, ...chosen values, steps}. Objects are
 * strict: a key not listed here fails validation, as does a missing one.
 *
 * Changing a kind changes what scripts that read tsnet's JSON see: add keys rather than
 * rename them, and regenerate the document (npm run build does).
 */
import { z } from 'zod';

const obj = <T extends z.ZodRawShape>(shape: T): z.ZodObject<T, z.core.$strict> => z.strictObject(shape);
const timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp');
const nullable = <T extends z.ZodType>(t: T): z.ZodNullable<T> => t.nullable();

/** planStep — one step of a dry run's plan (core/plan.ts Plan#toJson). */
export const planStep = obj({ name: z.string(), description: z.string() });

/** error — every failure under --json, usage errors included. */
export const errorKind = obj({ error: z.string(), code: z.string() });

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

/** image — `tsnet images`, image inspect. */
export const image = obj({
  id: z.string(),
  manifestDigest: z.string(),
  manifestMediaType: z.string(),
  size: z.number().int(),
  created: nullable(timestamp),
  addedAt: timestamp,
  layers: z.array(z.string()),
  tags: z.array(z.string()),
});

/** pulledImage — `pull`: the image as `images` shows it, with the reference pulled and its manifest digest. */
export const pulledImage = obj({ ...image.shape, reference: z.string(), digest: z.string() });

/** pushResult — `push`: what was sent, mounted from another repository, or already there. */
export const pushResult = obj({ reference: z.string(), digest: z.string(), uploaded: z.number().int(), mounted: z.number().int(), existed: z.number().int() });

/** imageTag — `tag`: the name given. */
export const imageTag = obj({ name: z.string() });

/** imageRemoval — `rmi A B`: one entry per argument (error and code null when it went). */
export const imageRemoval = obj({
  name: z.string(),
  untagged: z.array(z.string()),
  deleted: nullable(z.string()).describe('the image id, when the image itself went (not only a tag)'),
  layers: z.array(z.string()).describe('layers no other image uses, removed with it'),
  error: nullable(z.string()),
  code: nullable(z.string()),
});

/** rootfsMount — `mount IMAGE DIR`; rootfsUnmount — `umount DIR`. */
export const rootfsMount = obj({ image: z.string(), path: z.string(), driver: z.string() });
export const rootfsUnmount = obj({ dir: z.string() });

/** registryLogin — `login`; registryLogout — `logout` (removed: there were credentials). */
export const registryLogin = obj({ registry: z.string() });
export const registryLogout = obj({ registry: z.string(), removed: z.boolean() });

/** containerProcess — `top`: one process of the container. */
export const containerProcess = obj({ uid: z.number().int(), pid: z.number().int(), ppid: z.number().int(), time: z.string(), cmd: z.string() });

/** guestCommand — `route`, `rule`, `tc` inside a guest: what ip or tc printed. */
export const guestCommand = obj({ stdout: z.string() });

/** container — `tsnet ps` rows and `tsnet inspect CONTAINER` (the same object). */
export const container = obj({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  command: z.array(z.string()),
  state: z.string(),
  pid: nullable(z.number().int()),
  exitCode: nullable(z.number().int()),
  oomKilled: z.boolean(),
  error: nullable(z.string()),
  createdAt: timestamp,
  startedAt: nullable(timestamp),
  finishedAt: nullable(timestamp),
  restartCount: z.number().int(),
  hostname: z.string(),
  networkMode: z.string(),
  networks: z.array(obj({ network: z.string(), ip: nullable(z.string()), mac: nullable(z.string()), aliases: z.array(z.string()) })),
  interfaces: z.array(obj({ interface: z.string(), network: nullable(z.string()), attachedTo: z.string(), addresses: z.array(z.string()), mac: nullable(z.string()), gateway: nullable(z.string()) })),
  ports: z.array(obj({ protocol: z.string(), hostIp: z.string(), hostPort: z.number().int(), containerPort: z.number().int() })),
  netns: nullable(z.string()),
  config: z.looseObject({ spec: z.looseObject({}), process: z.looseObject({}), hostname: z.string(), rootfs: z.looseObject({}) })
    .describe("the container's stored configuration (spec, process, capabilities, rootfs), as the runtime keeps it: open, its keys follow the runtime"),
});

/** containerRef — the container `create` and `run -d` made. */
export const containerRef = obj({ id: z.string(), name: z.string() });

/** containerResult — one entry of start/stop/kill/restart/rm A B C (every name tried; id null when none matched). */
export const containerResult = obj({ name: z.string().describe('as given'), id: nullable(z.string()), error: nullable(z.string()), code: nullable(z.string()) });

/** containerExit — one entry of `wait A B`. */
export const containerExit = obj({ name: z.string(), exitCode: z.number().int() });

/** daemonStatus — `tsnet daemon status`. */
export const daemonStatus = obj({
  pid: z.number().int(),
  root: z.string(),
  socket: z.string(),
  protocol: z.string(),
  uptimeSeconds: z.number(),
  served: z.number().int(),
  running: z.number().int(),
  rssBytes: z.number().int(),
  heapUsedBytes: z.number().int(),
  openFds: z.number().int(),
  activeResources: z.number().int(),
  heldPorts: z.number().int(),
  keeper: z.boolean(),
  stale: nullable(z.string()).describe('set when the installation on disk is not the code this daemon runs'),
});

/** lab — `lab ls` rows and `lab status` (the same object). */
export const lab = obj({
  name: z.string(),
  phase: z.string(),
  file: nullable(z.string()),
  as: nullable(z.string()),
  hosts: z.array(obj({ name: z.string(), netns: nullable(z.string()), present: z.boolean(), underlay: obj({ ifname: z.string(), cidr: z.string(), up: z.boolean(), carrier: z.boolean() }) })),
  networks: z.array(obj({ host: z.string(), bridge: z.string(), subnet: z.string(), gateway: nullable(z.string()), present: z.boolean(), vxlan: nullable(obj({ vni: z.number().int(), remotes: z.array(z.string()) })) })),
  nodes: z.array(obj({ name: z.string(), host: z.string(), kind: z.string(), netns: z.string(), present: z.boolean(), addresses: z.array(obj({ ifname: z.string(), cidr: z.string() })), routes: z.array(z.string()) })),
  links: z.array(obj({ name: z.string(), kind: z.string(), type: z.string(), hosts: z.array(z.string()), ends: z.array(z.string()), state: z.enum(['up', 'down', 'missing']), impairment: z.string() })),
  routes: z.array(obj({ host: z.string(), dst: z.string(), via: z.string(), dev: z.string(), present: z.boolean() })),
  reach: nullable(obj({
    nodes: z.array(z.string()),
    pairs: z.array(obj({ from: z.string(), to: z.string(), ip: z.string(), expected: z.boolean(), reached: z.boolean(), rttMs: nullable(z.number()) })),
    failures: z.number().int(),
    surprises: z.number().int(),
  })).describe('lab status --ping: the all-pairs reachability matrix; null without --ping'),
});

/** labDown — `lab down`. */
export const labDown = obj({ name: z.string(), existed: z.boolean(), removedNetns: z.number().int(), warnings: z.array(z.string()) });

/** labUpPlan — `lab up --dry-run`: the real up's checks passed; each host's steps in order (name: "host hostA", "underlay wire"); exists: the lab is up, an up repairs it. */
export const labUpPlan = obj({
  dryRun: z.literal(true),
  name: z.string(),
  as: nullable(z.string()),
  exists: z.boolean(),
  steps: z.array(planStep),
});

/** labLinkPlan — `lab netem|link --dry-run`: the checks passed; the impairment (netem, null: cleared) or state (link) it would set, and its step. */
export const labLinkPlan = obj({
  dryRun: z.literal(true),
  name: z.string(),
  link: z.string(),
  impairment: nullable(z.string()),
  state: nullable(z.enum(['up', 'down'])),
  steps: z.array(planStep),
});

/** labApplyPlan — `lab apply --dry-run`: the real apply's checks passed; what it would remove and add ("node cache", "link cache:eth1"), and its steps. */
export const labApplyPlan = obj({
  dryRun: z.literal(true),
  name: z.string(),
  removed: z.array(z.string()),
  added: z.array(z.string()),
  steps: z.array(planStep),
});

/** labDownPlan — `lab down --dry-run`: from the lab's record, the container nodes and namespaces it would remove (exists false: no such lab, nothing to do). */
export const labDownPlan = obj({
  dryRun: z.literal(true),
  name: z.string(),
  exists: z.boolean(),
  containers: z.array(z.string()),
  netns: z.array(z.string()),
  steps: z.array(planStep),
});

/**
 * OUTPUT_KINDS — every kind, by the name the schema document uses ($defs) and tests use.
 * Listings and inspects print z.array(kind); see OUTPUTS for which command prints what.
 */
export const OUTPUT_KINDS = {
  error: errorKind,
  planStep,
  attachment,
  attachResult,
  attachPlan,
  detachResult,
  detachPlan,
  network,
  initResult,
  networkPlan,
  networkRemoval,
  networkPrune,
  dhcpLease,
  dhcpStatus,
  dhcpUnit,
  portMapping,
  portsPlan,
  gcReport,
  image,
  pulledImage,
  pushResult,
  imageTag,
  imageRemoval,
  rootfsMount,
  rootfsUnmount,
  registryLogin,
  registryLogout,
  containerProcess,
  guestCommand,
  container,
  containerRef,
  containerResult,
  containerExit,
  daemonStatus,
  lab,
  labDown,
  labUpPlan,
  labApplyPlan,
  labLinkPlan,
  labDownPlan,
} as const;

export type OutputKind = keyof typeof OUTPUT_KINDS;

/** OUTPUTS — the JSON each command prints: a kind, or an array of a kind ("kind[]"). */
export const OUTPUTS: Record<string, `${OutputKind}` | `${OutputKind}[]`> = {
  'ls': 'attachment[]',
  'inspect GUEST': 'attachment[]',
  'inspect CONTAINER': 'container[]',
  'attach': 'attachResult',
  'attach --dry-run': 'attachPlan',
  'detach': 'detachResult',
  'detach --dry-run': 'detachPlan',
  'network connect': 'attachResult',
  'network connect --dry-run': 'attachPlan',
  'network disconnect': 'detachResult',
  'network disconnect --dry-run': 'detachPlan',
  'init': 'initResult',
  'init --dry-run': 'networkPlan',
  'network create': 'network',
  'network create --dry-run': 'networkPlan',
  'network prune': 'networkPrune',
  'network prune --dry-run': 'networkPrune',
  'dhcp status': 'dhcpStatus',
  'dhcp leases': 'dhcpLease[]',
  'dhcp unit': 'dhcpUnit',
  'network ls': 'network[]',
  'network inspect': 'network[]',
  'network rm': 'networkRemoval[]',
  'network rm --dry-run': 'networkRemoval[]',
  'port': 'portMapping[]',
  'port ls': 'portMapping[]',
  'port publish': 'portMapping[]',
  'port publish --dry-run': 'portsPlan',
  'port unpublish --dry-run': 'portsPlan',
  'port unpublish': 'portMapping[]',
  'gc': 'gcReport',
  'gc --dry-run': 'gcReport',
  'images': 'image[]',
  'import': 'image',
  'load': 'image[]',
  'commit': 'image',
  'tag': 'imageTag',
  'rmi': 'imageRemoval[]',
  'pull': 'pulledImage',
  'push': 'pushResult',
  'login': 'registryLogin',
  'logout': 'registryLogout',
  'mount': 'rootfsMount',
  'umount': 'rootfsUnmount',
  'top': 'containerProcess[]',
  'route': 'guestCommand',
  'rule': 'guestCommand',
  'tc': 'guestCommand',
  'ps': 'container[]',
  'create': 'containerRef',
  'run -d': 'containerRef',
  'start': 'containerResult[]',
  'stop': 'containerResult[]',
  'kill': 'containerResult[]',
  'restart': 'containerResult[]',
  'rm': 'containerResult[]',
  'wait': 'containerExit[]',
  'daemon status': 'daemonStatus',
  'lab ls': 'lab[]',
  'lab up': 'lab',
  'lab down': 'labDown',
  'lab status': 'lab',
  'lab up --dry-run': 'labUpPlan',
  'lab apply --dry-run': 'labApplyPlan',
  'lab netem --dry-run': 'labLinkPlan',
  'lab link --dry-run': 'labLinkPlan',
  'lab down --dry-run': 'labDownPlan',
  '(any failure)': 'error',
};

/** schemaFor — the validator of what OUTPUTS says a command prints. */
export function schemaFor(kindText: string): z.ZodType {
  const many = kindText.endsWith('[]');
  const name = (many ? kindText.slice(0, -2) : kindText) as OutputKind;
  const kind = OUTPUT_KINDS[name];
  if (!kind) throw new Error(`no JSON output kind named ${name}`);
  return many ? z.array(kind) : kind;
}

/** outputSchemaDocument — the JSON Schema document committed as docs/json-schema/tsnet-output.schema.json. */
export function outputSchemaDocument(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [name, kind] of Object.entries(OUTPUT_KINDS)) registry.add(kind, { id: name });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/$defs/${id}` });
  const defs: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schemas)) {
    const { $schema: _drop, $id: _id, ...rest } = s as Record<string, unknown>;
    defs[name] = rest;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://tsnet.invalid/json-schema/tsnet-output.schema.json',
    title: 'tsnet --json output',
    description: 'Every object kind tsnet prints with --json. x-tsnet-outputs maps each command to the kind it prints ("kind[]": an array of it). Generated from src/cli/json-schema.ts; do not edit.',
    'x-tsnet-outputs': OUTPUTS,
    $defs: defs,
  };
}

export type AttachmentJson = z.infer<typeof attachment>;
export type AttachResultJson = z.infer<typeof attachResult>;
export type AttachPlanJson = z.infer<typeof attachPlan>;
export type DetachResultJson = z.infer<typeof detachResult>;
export type DetachPlanJson = z.infer<typeof detachPlan>;
export type NetworkJson = z.infer<typeof network>;
export type InitResultJson = z.infer<typeof initResult>;
export type NetworkRemovalJson = z.infer<typeof networkRemoval>;
export type PortMappingJson = z.infer<typeof portMapping>;
export type PortsPlanJson = z.infer<typeof portsPlan>;
export type GcActionJson = z.infer<typeof gcAction>;
export type GcReportJson = z.infer<typeof gcReport>;
export type ImageJson = z.infer<typeof image>;
export type PulledImageJson = z.infer<typeof pulledImage>;
export type PushResultJson = z.infer<typeof pushResult>;
export type ImageRemovalJson = z.infer<typeof imageRemoval>;
export type RootfsMountJson = z.infer<typeof rootfsMount>;
export type RegistryLogoutJson = z.infer<typeof registryLogout>;
export type ContainerProcessJson = z.infer<typeof containerProcess>;
export type ContainerJson = z.infer<typeof container>;
export type ContainerRefJson = z.infer<typeof containerRef>;
export type ContainerResultJson = z.infer<typeof containerResult>;
export type ContainerExitJson = z.infer<typeof containerExit>;
export type DaemonStatusJson = z.infer<typeof daemonStatus>;
export type NetworkPlanJson = z.infer<typeof networkPlan>;
export type NetworkPruneJson = z.infer<typeof networkPrune>;
export type DhcpUnitJson = z.infer<typeof dhcpUnit>;
export type DhcpStatusJson = z.infer<typeof dhcpStatus>;
export type DhcpLeaseJson = z.infer<typeof dhcpLease>;
export type LabJson = z.infer<typeof lab>;
export type LabDownJson = z.infer<typeof labDown>;
export type LabUpPlanJson = z.infer<typeof labUpPlan>;
export type LabLinkPlanJson = z.infer<typeof labLinkPlan>;
export type LabApplyPlanJson = z.infer<typeof labApplyPlan>;
export type LabDownPlanJson = z.infer<typeof labDownPlan>;
