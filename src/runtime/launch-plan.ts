/**
 * launch-plan — the helper's run plan for a container: its process, rootfs, mounts
 * (volumes, --tmpfs, and the generated /etc files), namespaces, capabilities, rlimits and
 * cgroups. Pure: the caller supplies the paths and what was decided at start.
 * @pure
 */
import { capNumber } from './caps.js';
import type { StoredConfig } from './create.js';
import type { MountEntry, NetPlan, RunPlan } from './helper-config.js';
import type { ContainerPaths } from './paths.js';

export interface LaunchInput {
  config: StoredConfig;
  paths: ContainerPaths;
  /** The /etc files to bind (another container's, with --network container:). */
  etc: { hosts: string; hostname: string; resolv: string };
  hostname: string | undefined;
  net: NetPlan;
  cgroups: string[];
  detach: boolean;
  hook: string[];
}

const DEFAULT_SHM = 64 * 1024 * 1024;

export function launchPlan(i: LaunchInput): RunPlan {
  const s = i.config.spec;
  const mounts: MountEntry[] = [
    ...(s.volumes ?? []).map((v): MountEntry => ({ kind: 'bind', source: v.source, target: v.target, options: v.readonly ? 'ro' : '' })),
    ...(s.tmpfs ?? []).map((t): MountEntry => ({ kind: 'tmpfs', source: 'tmpfs', target: t.target, options: t.options })),
    // Last, as Docker: a volume cannot hide them.
    { kind: 'bind', source: i.etc.resolv, target: '/etc/resolv.conf', options: '' },
    { kind: 'bind', source: i.etc.hostname, target: '/etc/hostname', options: '' },
    { kind: 'bind', source: i.etc.hosts, target: '/etc/hosts', options: '' },
  ];
  const caps = i.config.caps === 'ALL' ? 'all' : i.config.caps.map(capNumber);
  return {
    ...i.config.process,
    caps,
    noNewPrivs: !s.privileged,
    tty: s.tty ?? false,
    interactive: (s.interactive ?? false) && !i.detach,
    cgroups: i.cgroups,
    hostname: i.hostname,
    rootfs: i.config.rootfs.path,
    overlay: i.config.rootfs.overlay,
    readOnly: s.readOnly ?? false,
    mounts,
    privileged: s.privileged ?? false,
    shmSize: s.shmSize ?? DEFAULT_SHM,
    net: i.net,
    ulimits: s.ulimits ?? [],
    detach: i.detach,
    logFile: i.paths.log,
    exitFile: i.paths.exit,
    hook: i.hook,
  };
}
