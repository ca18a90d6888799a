/**
 * json-kinds-runtime — the --json kinds of images, registries, containers, the daemon and labs.
 * Part of cli/json-schema.ts (which lists which command prints which kind). @pure: imports only zod.
 */
import { z } from 'zod';
import { nullable, obj, planStep, timestamp } from './json-kinds-base.js';

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
