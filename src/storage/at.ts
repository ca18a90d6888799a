/**
 * at — the *at() system calls, through koffi: every call names one component relative to
 * a directory fd and never follows a symlink in it (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, or a
 * call that does not follow by definition: mkdirat, symlinkat, mknodat, linkat without
 * AT_SYMLINK_FOLLOW, unlinkat). This is how an image's files are written: a symlink the
 * image made can never redirect a write, a chown or a time stamp outside the store.
 * Node's own fs calls take paths only; on an fd they are used as they are (fs.writeSync,
 * fs.fchownSync, fs.futimesSync...).
 */
import { constants as fsc } from 'node:fs';
import { constants as osc } from 'node:os';
import { bindLibc, type Bound } from '../core/libc.js';
import { SyscallError } from './libc.js';

type AtFns = {
  openat: (dirfd: number, name: string, flags: number, mode: number) => number;
  mkdirat: (dirfd: number, name: string, mode: number) => number;
  symlinkat: (target: string, dirfd: number, name: string) => number;
  linkat: (olddirfd: number, oldname: string, newdirfd: number, newname: string, flags: number) => number;
  mknodat: (dirfd: number, name: string, mode: number, dev: bigint) => number;
  unlinkat: (dirfd: number, name: string, flags: number) => number;
  renameat: (olddirfd: number, oldname: string, newdirfd: number, newname: string) => number;
  readlinkat: (dirfd: number, name: string, buf: Buffer, size: number) => number;
  fchownat: (dirfd: number, name: string, uid: number, gid: number, flags: number) => number;
  fchmodat: (dirfd: number, name: string, mode: number, flags: number) => number;
  utimensat: (dirfd: number, name: string, times: Buffer, flags: number) => number;
  fsetxattr: (fd: number, name: string, value: Buffer, size: number, flags: number) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  strerror: (errnum: number) => string;
};

let libc: Bound<AtFns> | undefined;

function load(): Bound<AtFns> {
  libc ??= bindLibc<AtFns>({
    // openat and fchmodat are variadic / flag-taking in C; the mode is always passed here.
    openat: 'int openat(int dirfd, const char *name, int flags, uint32_t mode)',
    mkdirat: 'int mkdirat(int dirfd, const char *name, uint32_t mode)',
    symlinkat: 'int symlinkat(const char *target, int dirfd, const char *name)',
    linkat: 'int linkat(int olddirfd, const char *oldname, int newdirfd, const char *newname, int flags)',
    mknodat: 'int mknodat(int dirfd, const char *name, uint32_t mode, uint64_t dev)',
    unlinkat: 'int unlinkat(int dirfd, const char *name, int flags)',
    renameat: 'int renameat(int olddirfd, const char *oldname, int newdirfd, const char *newname)',
    readlinkat: 'long readlinkat(int dirfd, const char *name, _Out_ void *buf, size_t size)',
    fchownat: 'int fchownat(int dirfd, const char *name, uint32_t uid, uint32_t gid, int flags)',
    fchmodat: 'int fchmodat(int dirfd, const char *name, uint32_t mode, int flags)',
    utimensat: 'int utimensat(int dirfd, const char *name, const void *times, int flags)',
    fsetxattr: 'int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)',
    lsetxattr: 'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
    strerror: 'const char *strerror(int errnum)',
  });
  return libc;
}

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
/** O_PATH and O_CLOEXEC have the same value on every Linux architecture Node runs on. */
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const O_DIR = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC;
export const O_NEWFILE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | O_CLOEXEC;
export const { ENOENT, EEXIST, ELOOP, ENOTDIR, EISDIR, EPERM, EINVAL } = osc.errno;

/** errnoError — a SyscallError for errno, with the system's text for it. */
export function errnoError(errno: number, what: string): SyscallError {
  return new SyscallError(errno, what, load().strerror(errno));
}

/** call — the result, or a SyscallError carrying errno and naming `what`. */
function call(rc: number, what: () => string): number {
  if (rc >= 0) return rc;
  throw errnoError(load().errno(), what());
}

/** attempt — the result, or -errno (for calls whose failure is an answer, e.g. EEXIST). */
function attempt(rc: number): number {
  return rc >= 0 ? rc : -load().errno();
}

export const at = {
  /** open — openat, throwing on failure; the try* calls return -errno instead. */
  open(dirfd: number, name: string, flags: number, mode = 0): number {
    return call(load().openat(dirfd, name, flags, mode), () => `open ${name}`);
  },
  tryOpen(dirfd: number, name: string, flags: number, mode = 0): number {
    return attempt(load().openat(dirfd, name, flags, mode));
  },
  tryMkdir(dirfd: number, name: string, mode: number): number {
    return attempt(load().mkdirat(dirfd, name, mode));
  },
  trySymlink(target: string, dirfd: number, name: string): number {
    return attempt(load().symlinkat(target, dirfd, name));
  },
  tryLink(olddirfd: number, oldname: string, newdirfd: number, newname: string): number {
    return attempt(load().linkat(olddirfd, oldname, newdirfd, newname, 0));
  },
  tryMknod(dirfd: number, name: string, mode: number, major = 0, minor = 0): number {
    // makedev as glibc encodes it.
    const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
    return attempt(load().mknodat(dirfd, name, mode, dev));
  },
  tryUnlink(dirfd: number, name: string, dir: boolean): number {
    return attempt(load().unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0));
  },
  rename(olddirfd: number, oldname: string, newdirfd: number, newname: string): void {
    call(load().renameat(olddirfd, oldname, newdirfd, newname), () => `rename ${oldname} to ${newname}`);
  },
  /** readlink — the target, or undefined when `name` is not a symlink (EINVAL). */
  readlink(dirfd: number, name: string): string | undefined {
    const buf = Buffer.alloc(4096);
    const n = load().readlinkat(dirfd, name, buf, buf.length);
    if (n < 0 && load().errno() === EINVAL) return undefined;
    return buf.toString('utf8', 0, call(n, () => `readlink ${name}`));
  },
  /** lchown — fchownat(AT_SYMLINK_NOFOLLOW): a symlink's own owner, never its target's. */
  lchown(dirfd: number, name: string, uid: number, gid: number): void {
    call(load().fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW), () => `chown ${name}`);
  },
  /** lchmod — fchmodat(AT_SYMLINK_NOFOLLOW); glibc does it through O_PATH, never following. */
  lchmod(dirfd: number, name: string, mode: number): void {
    call(load().fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW), () => `chmod ${name}`);
  },
  /** lutimes — utimensat(AT_SYMLINK_NOFOLLOW) with atime = mtime = t (ms since the epoch). */
  lutimes(dirfd: number, name: string, ms: number): void {
    call(load().utimensat(dirfd, name, timespecs(ms), AT_SYMLINK_NOFOLLOW), () => `set times of ${name}`);
  },
  fsetxattr(fd: number, name: string, value: Buffer): void {
    call(load().fsetxattr(fd, name, value, value.length, 0), () => `setxattr ${name}`);
  },
  /**
   * lsetxattrAt — an xattr on `name` in dirfd without opening it (a symlink or a device
   * cannot be opened for fsetxattr): the path goes through the fd's own /proc link, and
   * lsetxattr does not follow the last component.
   */
  lsetxattrAt(dirfd: number, name: string, xattr: string, value: Buffer): void {
    call(load().lsetxattr(`/proc/self/fd/${dirfd}/${name}`, xattr, value, value.length, 0), () => `setxattr ${xattr} on ${name}`);
  },
};

/** timespecs — struct timespec[2] (64-bit time_t) with both times at `ms`. */
function timespecs(ms: number): Buffer {
  const b = Buffer.alloc(32);
  const sec = Math.floor(ms / 1000);
  const nsec = Math.round((ms - sec * 1000) * 1e6);
  b.writeBigInt64LE(BigInt(sec), 0);
  b.writeBigInt64LE(BigInt(nsec), 8);
  b.writeBigInt64LE(BigInt(sec), 16);
  b.writeBigInt64LE(BigInt(nsec), 24);
  return b;
}
