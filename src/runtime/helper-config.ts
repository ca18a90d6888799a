/**
 * helper-config — the record tsnet-init reads on fd 3 (native/README.md): "key=value"
 * entries ended by NUL, the record ended by an empty entry. Built here from a typed launch
 * plan, so the protocol lives in one place on each side. Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';
import type { ProcessConfig } from './config.js';
import type { UlimitSpec } from './spec.js';

/** Docker's masked and read-only /proc and /sys paths (moby oci/defaults.go). */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface MountEntry { kind: 'bind' | 'tmpfs'; source: string; target: string; options: string }

export type NetPlan = { kind: 'new'; pin?: string | undefined } | { kind: 'host' } | { kind: 'join'; path: string };

export interface ProcessPlan extends ProcessConfig {
  caps: number[] | 'all';
  noNewPrivs: boolean;
  tty: boolean;
  interactive: boolean;
  cgroups: string[];
}

export interface RunPlan extends ProcessPlan {
  hostname?: string | undefined;
  rootfs: string;
  overlay?: { options: string; cwd: string } | undefined;
  readOnly: boolean;
  mounts: MountEntry[];
  privileged: boolean;
  shmSize: number;
  net: NetPlan;
  ulimits: UlimitSpec[];
  detach: boolean;
  logFile: string;
  exitFile: string;
  /** argv run by the shim when the container exits and no CLI is attached. */
  hook: string[];
}

export interface ExecPlan extends ProcessPlan {
  /** The container's init, whose namespaces the process joins. */
  target: number;
}

type Entry = [string, string];

function processEntries(p: ProcessPlan): Entry[] {
  const e: Entry[] = [
    ...p.args.map((a): Entry => ['arg', a]),
    ...p.env.map((v): Entry => ['env', v]),
    ['cwd', p.workdir],
    ['user', p.user],
    ...(p.caps === 'all' ? [['cap', 'all'] as Entry] : p.caps.map((c): Entry => ['cap', String(c)])),
    ...p.cgroups.map((d): Entry => ['cgroup', d]),
  ];
  if (p.noNewPrivs) e.push(['nnp', '1']);
  if (p.tty) e.push(['tty', '1']);
  if (p.interactive) e.push(['interactive', '1']);
  return e;
}

export function runEntries(p: RunPlan): Entry[] {
  const e: Entry[] = [['mode', 'run'], ...processEntries(p), ['rootfs', p.rootfs], ['shm.size', String(p.shmSize)]];
  if (p.hostname) e.push(['hostname', p.hostname]);
  if (p.overlay) e.push(['overlay', p.overlay.options], ['overlay.cwd', p.overlay.cwd]);
  if (p.readOnly) e.push(['readonly', '1']);
  for (const m of p.mounts) {
    for (const f of [m.source, m.target, m.options]) if (f.includes('\x1f')) throw invalid(`mount "${m.target}" contains a control character`);
    e.push(['mount', [m.kind, m.source, m.target, m.options].join('\x1f')]);
  }
  if (p.privileged) e.push(['privileged', '1']);
  else e.push(...MASKED_PATHS.map((m): Entry => ['mask', m]), ...READONLY_PATHS.map((m): Entry => ['ro.path', m]));
  e.push(['net', p.net.kind]);
  if (p.net.kind === 'new' && p.net.pin) e.push(['netns.pin', p.net.pin]);
  if (p.net.kind === 'join') e.push(['netns', p.net.path]);
  for (const u of p.ulimits) e.push(['rlimit', [u.name, String(u.soft), String(u.hard)].join('\x1f')]);
  if (p.detach) e.push(['detach', '1']);
  e.push(['log.file', p.logFile], ['exit.file', p.exitFile], ...p.hook.map((h): Entry => ['hook', h]));
  return e;
}

export function execEntries(p: ExecPlan): Entry[] {
  return [['mode', 'exec'], ['pid', String(p.target)], ...processEntries(p)];
}

/** encodeRecord — entries as the NUL-framed record; a NUL inside a value is refused. */
export function encodeRecord(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of entries) {
    if (v.includes('\0') || k.includes('\0') || k.includes('=')) throw invalid(`"${k}" value contains a NUL byte`);
    parts.push(Buffer.from(`${k}=${v}\0`));
  }
  parts.push(Buffer.from('\0'));
  return Buffer.concat(parts);
}
