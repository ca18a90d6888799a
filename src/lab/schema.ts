/**
 * schema — the lab topology file's shape, as a zod schema (pure, no kernel). Unknown keys are
 * errors everywhere (strict objects), so a typo never silently means "default". Cross-field
 * rules (references, overlaps, VNI collisions) are checked afterwards by topology.ts, which
 * needs the whole file. `tsnet lab schema` prints this as JSON Schema for editors.
 * @pure
 */
import { z } from 'zod';

/** NAME — lab, host, node and link names: they end up in netns names, so kept short and plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/;
const name = (what: string) => z.string().regex(NAME, `${what} must be 1-16 letters, digits, _ or - (starting with a letter or digit)`);

/** Impairments of one link, applied to the egress of each of its ends (tc). */
export const impairmentSchema = z.strictObject({
  delay: z.string().regex(/^\d+(\.\d+)?(us|ms|s)$/, 'delay is a time like 10ms').optional(),
  jitter: z.string().regex(/^\d+(\.\d+)?(us|ms|s)$/, 'jitter is a time like 2ms').optional(),
  loss: z.string().regex(/^\d+(\.\d+)?%$/, 'loss is a percentage like 1%').optional(),
  corrupt: z.string().regex(/^\d+(\.\d+)?%$/, 'corrupt is a percentage like 0.1%').optional(),
  rate: z.string().regex(/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/, 'rate is like 10mbit (bit, kbit, mbit, gbit)').optional(),
  /** Which qdisc enforces `rate` when no netem option is given: a token bucket (default) or an HTB class. */
  shaper: z.enum(['tbf', 'htb']).optional(),
});
export type Impairment = z.infer<typeof impairmentSchema>;

const networkSchema = z.strictObject({
  /** A CIDR, or auto: a free /24 the lab chooses (the same one on every host of a VXLAN overlay). */
  subnet: z.string(),
  /** The bridge's own address in the subnet, which nodes use as their gateway. Default: .1 (none for VXLAN). */
  gateway: z.string().optional(),
  /** Static routes to this network from every other host, through the underlay (default true unless vxlan). */
  routes: z.boolean().optional(),
  vxlan: z.strictObject({
    vni: z.number().int().min(1).max(16777215),
    /** Hosts to tunnel to; default: every other host with a network of the same VNI. */
    remotes: z.array(name('remote host')).optional(),
    port: z.number().int().min(1).max(65535).optional(),
  }).optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
});

const hostSchema = z.strictObject({
  /** The host's address on the underlay, e.g. 10.100.0.1/24. */
  underlay: z.string(),
  /** The underlay interface's name on the host (a real NIC with --as; made by the lab otherwise). */
  interface: z.string().optional(),
  networks: z.record(z.string().regex(/^[A-Za-z0-9_.+=-]{1,15}$/, 'a network is named by its bridge: at most 15 of letters, digits and _.+=-'), networkSchema).optional(),
});

/** An attachment: a pipework spec `[-i CTRIF] BRIDGE [IP/LEN[@GW]|auto] [MAC]`, or that plus impairments. */
const attachSchema = z.union([
  z.string(),
  impairmentSchema.extend({ spec: z.string() }).strict(),
]);

const nodeSchema = z.strictObject({
  host: name('host'),
  /** netns: a bare network namespace; container: a tsnet container running image + cmd. */
  kind: z.enum(['netns', 'container']).optional(),
  image: z.string().optional(),
  cmd: z.array(z.string()).optional(),
  attach: z.array(attachSchema).optional(),
});

/** An end of a node-to-node link: "NODE:IFNAME [IP/LEN]". */
const linkSchema = impairmentSchema.extend({
  name: name('link name').optional(),
  /** switch: hosts' underlay interfaces on one bridge; veth: a wire (two hosts, or two nodes of one host). */
  type: z.enum(['switch', 'veth']).optional(),
  hosts: z.array(name('host')).optional(),
  endpoints: z.array(z.string()).optional(),
}).strict();

export const labSchema = z.strictObject({
  name: name('lab name'),
  hosts: z.record(name('host name'), hostSchema),
  nodes: z.record(name('node name'), nodeSchema).optional(),
  links: z.array(linkSchema).optional(),
});

export type LabFile = z.infer<typeof labSchema>;
export type LinkEntry = z.infer<typeof linkSchema>;
export type NodeEntry = z.infer<typeof nodeSchema>;
export type HostEntry = z.infer<typeof hostSchema>;
export type NetworkEntry = z.infer<typeof networkSchema>;

/** NAME_RE — exported for the checks of record keys (host, node and network names). */
export const NAME_RE = NAME;
