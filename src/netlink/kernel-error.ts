/**
 * kernel-error — turns a kernel refusal into a TsnetError with a stable code and a one-line
 * message naming the operation and the object ("cannot create bridge br0: File exists").
 * Both LinkOps backends use it, so the same failure reads and matches the same whichever
 * backend ran: netlink gives an errno name ("Request rejected: EEXIST"), iproute2 gives
 * strerror text or an extack sentence ("Error: ipv4: Address already assigned.").
 */
import { TsnetError, type ErrorCode } from '../core/errors.js';

/** strerror(3) text for the errnos rtnetlink returns in practice (what `ip` would print). */
const STRERROR: Record<string, string> = {
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EOPNOTSUPP: 'Operation not supported',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EBUSY: 'Device or resource busy',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ERANGE: 'Numerical result out of range',
  ENOBUFS: 'No buffer space available',
  ENOTSUP: 'Operation not supported',
};

/** iproute2 stderr → errno name. Extack sentences replace the strerror text, so match both. */
const IP_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/File exists|already (assigned|exists)/i, 'EEXIST'],
  [/Cannot find device|does not exist|No such device/i, 'ENODEV'],
  [/address not found|Cannot assign requested address/i, 'EADDRNOTAVAIL'],
  [/No such process/i, 'ESRCH'],
  [/No such file or directory/i, 'ENOENT'],
  [/not supported|Unknown device type/i, 'EOPNOTSUPP'],
  [/Operation not permitted/i, 'EPERM'],
  [/Device or resource busy/i, 'EBUSY'],
  [/Invalid argument/i, 'EINVAL'],
];

/** MISSING — errnos meaning "that object is not there"; deletes treat them as success. */
const MISSING = new Set(['ENODEV', 'ENOENT', 'ESRCH', 'EADDRNOTAVAIL']);

export function isMissing(errno: string | undefined): boolean {
  return errno !== undefined && MISSING.has(errno);
}

function codeFor(errno: string | undefined): ErrorCode {
  if (errno === 'EEXIST') return 'ECONFLICT';
  if (errno === 'ENODEV' || errno === 'ENOENT' || errno === 'ESRCH') return 'ENOTFOUND';
  if (errno === 'EOPNOTSUPP' || errno === 'ENOTSUP') return 'EUNSUPPORTED';
  return 'EKERNEL';
}

/** errnoOfNetlink — "Request rejected: EEXIST" (netlink@0.3.0) or an ErrnoException's code. */
export function errnoOfNetlink(err: unknown): string | undefined {
  const m = /Request rejected: (E[A-Z0-9]+)/.exec(err instanceof Error ? err.message : String(err));
  if (m) return m[1];
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** ipReason — the useful line of iproute2's stderr, without "RTNETLINK answers:"/"Error:". */
export function ipReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Command failed/.test(l));
  const line = lines[lines.length - 1] ?? 'failed';
  return line.replace(/^(RTNETLINK answers|Error):\s*/, '').replace(/\.$/, '');
}

export function errnoOfIp(stderr: string): string | undefined {
  return IP_PATTERNS.find(([re]) => re.test(stderr))?.[1];
}

/** kernelError — `cannot <what>: <why>`; why defaults to strerror(errno). */
export function kernelError(what: string, errno: string | undefined, why?: string): TsnetError {
  const reason = why ?? (errno ? (STRERROR[errno] ?? errno) : 'refused by the kernel');
  return new TsnetError(codeFor(errno), `cannot ${what}: ${reason}`, { errno });
}
