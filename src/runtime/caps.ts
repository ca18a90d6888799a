/**
 * caps — Linux capability names and Docker's default set, and the set a container keeps
 * after --cap-add / --cap-drop / --privileged. Pure. Numbers are the kernel's (linux/
 * capability.h); the helper intersects the result with what tsnet itself holds.
 * @pure
 */
import { invalid } from '../core/errors.js';

export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** Docker's default capabilities (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS: readonly Capability[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** capNumber — the kernel's number for a capability. */
export function capNumber(cap: Capability): number {
  return CAPABILITIES.indexOf(cap);
}

/** parseCap — "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" or "ALL". */
export function parseCap(text: string, what: string): Capability | 'ALL' {
  const name = text.toUpperCase().replace(/^CAP_/, '');
  if (name === 'ALL') return 'ALL';
  if (!(CAPABILITIES as readonly string[]).includes(name)) throw invalid(`${what} "${text}" is not a Linux capability (e.g. NET_ADMIN, SYS_TIME, ALL)`);
  return name as Capability;
}

/**
 * effectiveCaps — the capabilities the container keeps: all (privileged), else Docker's
 * defaults with --cap-add added and --cap-drop removed ("ALL" in either means every one;
 * dropping ALL then adding some keeps just those, as in Docker).
 */
export function effectiveCaps(opts: { privileged?: boolean | undefined; capAdd?: readonly string[] | undefined; capDrop?: readonly string[] | undefined }): Capability[] | 'ALL' {
  if (opts.privileged) return 'ALL';
  const add = (opts.capAdd ?? []).map((c) => parseCap(c, '--cap-add'));
  const drop = (opts.capDrop ?? []).map((c) => parseCap(c, '--cap-drop'));
  if (add.includes('ALL') && !drop.includes('ALL')) {
    return drop.length === 0 ? 'ALL' : CAPABILITIES.filter((c) => !drop.includes(c));
  }
  const base: Capability[] = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  for (const c of add) if (c !== 'ALL' && !base.includes(c)) base.push(c);
  return base;
}
