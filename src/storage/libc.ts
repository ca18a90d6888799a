/**
 * libc — the few system calls Node lacks, through koffi: mknod (devices, FIFOs, overlay
 * whiteouts), l*xattr (file capabilities, overlay opaque markers), mount/umount2 (overlay
 * rootfs) and flock (one pull of a layer at a time across processes). Loaded on first use.
 */
import { TsnetError } from '../core/errors.js';
import { bindLibc, type Bound } from '../core/libc.js';

type LibcFns = {
  mknod: (path: string, mode: number, dev: bigint | number) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  mount: (src: string, target: string, fstype: string, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  flock: (fd: number, op: number) => number;
  strerror: (errnum: number) => string;
};
type Libc = Bound<LibcFns>;

let libc: Libc | undefined;

function load(): Libc {
  libc ??= bindLibc<LibcFns>({
    mknod: 'int mknod(const char *path, uint32_t mode, uint64_t dev)',
    lsetxattr: 'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
    lgetxattr: 'long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)',
    llistxattr: 'long llistxattr(const char *path, _Out_ void *list, size_t size)',
    mount: 'int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)',
    umount2: 'int umount2(const char *target, int flags)',
    flock: 'int flock(int fd, int op)',
    strerror: 'const char *strerror(int errnum)',
  });
  return libc;
}

/** SyscallError — carries errno so callers can tell EPERM from ENOENT. */
export class SyscallError extends TsnetError {
  constructor(readonly errno: number, what: string, why: string) {
    super('EKERNEL', `${what}: ${why}`);
  }
}

function check(rc: number, what: string): number {
  if (rc < 0) {
    const c = load();
    const e = c.errno();
    throw new SyscallError(e, what, c.strerror(e));
  }
  return rc;
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
export const EPERM = 1;
export const ENODATA = 61;

/** mknod — a device node or FIFO; dev = makedev(major, minor) as glibc encodes it. */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(load().mknod(path, mode, dev), `mknod ${path}`);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(load().lsetxattr(path, name, value, value.length, 0), `setxattr ${name} on ${path}`);
}

/** lgetxattr — the value, or undefined when the attribute is absent. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  const size = c.lgetxattr(path, name, null, 0);
  if (size < 0) {
    if (c.errno() === ENODATA) return undefined;
    check(size, `getxattr ${name} on ${path}`);
  }
  const buf = Buffer.alloc(size);
  check(c.lgetxattr(path, name, buf, size), `getxattr ${name} on ${path}`);
  return buf;
}

export function llistxattr(path: string): string[] {
  const c = load();
  const size = check(c.llistxattr(path, null, 0), `listxattr ${path}`);
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const n = check(c.llistxattr(path, buf, size), `listxattr ${path}`);
  return buf.subarray(0, n).toString('utf8').split('\0').filter(Boolean);
}

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MNT_DETACH = 2;

export function mount(src: string, target: string, fstype: string, flags: number, data: string | null): void {
  check(load().mount(src, target, fstype, flags, data), `mount ${fstype} on ${target}`);
}

export function umount2(target: string, flags = 0): void {
  check(load().umount2(target, flags), `umount ${target}`);
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const EWOULDBLOCK = 11;

/** tryFlock — true when the lock was taken, false when another holder has it. */
export function tryFlock(fd: number): boolean {
  const c = load();
  if (c.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  if (c.errno() === EWOULDBLOCK) return false;
  return check(-1, `flock fd ${fd}`) === 0;
}
