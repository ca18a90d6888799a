/**
 * spec — the typed container spec that `tsnet run/create`, the lab and (later) the daemon
 * hand to the runtime engine, and its validation. Pure: nothing here reads the disk or
 * touches the kernel. Strings users type (-v, --memory, ...) are parsed in spec-parse.ts.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { parseIp } from '../ipam/cidr.js';
import { validateNetworkName } from '../network/network-name.js';

/** Docker's default network is called "bridge"; tsnet's is tsnet0 (network/default-network.ts). */
export const BRIDGE_MODE = 'bridge';

/**
 * NetworkMode — where the container's network namespace comes from: its own, attached to
 * `networks` in order (eth0, eth1, ...; none: loopback only), the host's, or another
 * container's.
 */
export type NetworkMode =
  | { kind: 'networks' }
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; container: string };

export interface NetworkEndpointSpec {
  network: string;
  /** --ip: a fixed IPv4 address in the network's subnet. */
  ip?: string | undefined;
  /** --mac-address. */
  mac?: string | undefined;
  /** --network-alias: more names the container answers to on this network. */
  aliases?: string[] | undefined;
}

export interface VolumeSpec { source: string; target: string; readonly: boolean }
export interface TmpfsSpec { target: string; options: string }
export interface HostEntry { name: string; ip: string }
export interface UlimitSpec { name: string; soft: number | 'unlimited'; hard: number | 'unlimited' }

export interface ContainerSpec {
  image: string;
  name?: string | undefined;
  /** Replaces the image's Cmd when given (and non-empty). */
  cmd?: string[] | undefined;
  /** --entrypoint: replaces the image's Entrypoint ([] clears it, as --entrypoint ""). */
  entrypoint?: string[] | undefined;
  /** K=V, added to (and overriding) the image's Env. */
  env?: string[] | undefined;
  workdir?: string | undefined;
  user?: string | undefined;
  hostname?: string | undefined;
  tty?: boolean | undefined;
  interactive?: boolean | undefined;
  volumes?: VolumeSpec[] | undefined;
  tmpfs?: TmpfsSpec[] | undefined;
  /** -p, Docker's grammar (nat/port-spec.ts). */
  ports?: string[] | undefined;
  networkMode?: NetworkMode | undefined;
  /** For networkMode 'networks': in order; default [the default network]. */
  networks?: NetworkEndpointSpec[] | undefined;
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOptions?: string[] | undefined;
  addHosts?: HostEntry[] | undefined;
  /** Bytes. */
  memory?: number | undefined;
  cpus?: number | undefined;
  pidsLimit?: number | undefined;
  capAdd?: string[] | undefined;
  capDrop?: string[] | undefined;
  privileged?: boolean | undefined;
  readOnly?: boolean | undefined;
  ulimits?: UlimitSpec[] | undefined;
  /** --rm. */
  autoRemove?: boolean | undefined;
  /** --shm-size, bytes. */
  shmSize?: number | undefined;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$/;

/** validateContainerName — Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (here at most 64). */
export function validateContainerName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(bare)) throw invalid(`container name "${name}" is not valid: use [a-zA-Z0-9][a-zA-Z0-9_.-]+ (2 to 64 characters)`);
  return bare;
}

/** validateHostname — RFC 1123 labels, at most 63 characters (what sethostname in a UTS namespace takes). */
export function validateHostname(name: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(name) || name.length > 63) {
    throw invalid(`hostname "${name}" is not valid: letters, digits, '-' and '.', at most 63 characters`);
  }
  return name;
}

/** containerPath — an absolute path inside the container, without "..", NUL or control characters. */
export function containerPath(path: string, what: string): string {
  if (!path.startsWith('/')) throw invalid(`${what} "${path}" must be an absolute path in the container`);
  if (/[\u0000-\u001f]/.test(path)) throw invalid(`${what} "${path}" contains a control character`);
  if (path.split('/').includes('..')) throw invalid(`${what} "${path}" may not contain ".."`);
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** validateSpec — everything that can be checked without state or kernel, before anything is made. */
export function validateSpec(spec: ContainerSpec): void {
  if (!spec.image) throw invalid('an image is needed (tsnet images lists them)');
  if (spec.name !== undefined) validateContainerName(spec.name);
  if (spec.hostname !== undefined) validateHostname(spec.hostname);
  if (spec.workdir !== undefined && spec.workdir !== '') containerPath(spec.workdir, 'working directory (-w)');
  for (const e of spec.env ?? []) {
    if (!/^[^=\0]+=/.test(e)) throw invalid(`environment entry "${e}" must be KEY=VALUE`);
  }
  for (const v of spec.volumes ?? []) {
    if (!v.source.startsWith('/')) throw invalid(`volume source "${v.source}" must be an absolute host path (named volumes are not supported)`);
    containerPath(v.target, 'volume target');
  }
  for (const t of spec.tmpfs ?? []) containerPath(t.target, '--tmpfs target');
  for (const h of spec.addHosts ?? []) {
    parseIp(h.ip, `--add-host ${h.name}`);
    if (!/^[A-Za-z0-9_.-]{1,253}$/.test(h.name)) throw invalid(`--add-host name "${h.name}" is not a host name`);
  }
  for (const d of spec.dns ?? []) parseIp(d, '--dns');
  if (spec.memory !== undefined && (!Number.isSafeInteger(spec.memory) || spec.memory < 6 * 1024 * 1024)) {
    throw invalid(`--memory ${spec.memory} is below the minimum of 6 MiB`);
  }
  if (spec.cpus !== undefined && (!(spec.cpus > 0) || spec.cpus > 1024)) throw invalid(`--cpus ${spec.cpus} must be a positive number of CPUs`);
  if (spec.pidsLimit !== undefined && (!Number.isSafeInteger(spec.pidsLimit) || spec.pidsLimit < -1 || spec.pidsLimit === 0)) {
    throw invalid(`--pids-limit ${spec.pidsLimit} must be a positive number (or -1 for no limit)`);
  }
  const mode = spec.networkMode ?? { kind: 'networks' };
  const nets = spec.networks ?? [];
  if (mode.kind !== 'networks') {
    if (nets.length > 0) throw invalid(`--network ${mode.kind} cannot be combined with networks (${nets.map((n) => n.network).join(', ')})`);
    if ((spec.ports ?? []).length > 0) throw invalid(`-p needs a network: a container with --network ${mode.kind} has no ports of its own to publish`);
    if (mode.kind === 'container' && spec.hostname !== undefined) throw invalid('--hostname cannot be used with --network container:X (the name is the other container\'s)');
  }
  if (mode.kind === 'container') validateContainerName(mode.container);
  for (const n of nets) {
    if (n.network !== BRIDGE_MODE) validateNetworkName(n.network);
    if (n.ip !== undefined && parseIp(n.ip, '--ip').family !== 4) throw invalid(`--ip "${n.ip}" must be an IPv4 address`);
    for (const a of n.aliases ?? []) if (!/^[A-Za-z0-9_.-]{1,253}$/.test(a)) throw invalid(`--network-alias "${a}" is not a host name`);
  }
  if (new Set(nets.map((n) => n.network)).size !== nets.length) throw invalid('a network is named twice');
}
