/**
 * guest — resolves a GuestRef (tsnet container, netns name, PID, netns path) to an open fd on
 * its network namespace, ONCE. A plain name is a tsnet container when the caller's state
 * root has one of that name (the ContainerLookup), else a named netns; the resolved ref
 * says which, so state records a container as container:NAME whichever way it was named. Everything after works on that fd, so a PID
 * that exits and is reused mid-attach cannot redirect the interface (pipework #204).
 * The netns identity ("net:[inode]") is read from the fd itself, which also proves the
 * file really is a network namespace.
 */
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { describeGuest, type GuestRef } from './guest-ref.js';
import type { NetnsRef } from '../netlink/linkops.js';

export const NETNS_RUN_DIR = '/run/netns';

/**
 * ContainerLookup — the network namespace files of a tsnet container by name (its pin,
 * then its process's), [] when it is not running, undefined when there is no such container.
 */
export type ContainerLookup = (name: string) => string[] | undefined;

export interface ResolvedGuest extends NetnsRef {
  ref: GuestRef;
  /** Stable text of the ref, as stored in state. */
  name: string;
  /** "net:[4026532...]" — the namespace's identity while it lives. */
  netnsId: string;
  close(): void;
}

/**
 * guestPaths — the nsfs files a ref may point at, in order. A container has two: its pin
 * under /run/netns, which a command in another mount namespace (`ip netns exec` makes one
 * per command) sees as an empty file, and its process's own.
 */
export function guestPaths(ref: GuestRef, containers?: ContainerLookup): string[] {
  switch (ref.kind) {
    case 'netns': return [`${NETNS_RUN_DIR}/${ref.name}`];
    case 'pid': return [`/proc/${ref.pid}/ns/net`];
    case 'path': return [ref.path];
    case 'container': {
      const paths = containers?.(ref.name);
      if (paths === undefined) throw new TsnetError('ENOTFOUND', `no tsnet container named "${ref.name}" (see tsnet ps -a)`);
      if (paths.length === 0) throw new TsnetError('ENOTFOUND', `container ${ref.name} is not running (tsnet start ${ref.name})`);
      return paths;
    }
  }
}

/** isNetnsFile — whether path opens as a network namespace here (a pin from another mount namespace does not). */
export function isNetnsFile(path: string): boolean {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try { return netnsIdOfFd(fd) !== undefined; } finally { closeSync(fd); }
  } catch {
    return false;
  }
}

/** containerRef — a plain netns name that names a container of this root is that container. */
function containerRef(ref: GuestRef, containers?: ContainerLookup): GuestRef {
  if (ref.kind === 'netns' && !ref.explicit && containers?.(ref.name) !== undefined) return { kind: 'container', name: ref.name };
  return ref;
}

/**
 * openFlags — never blocking (a FIFO or a device given as a path must not hang tsnet, nor
 * the lease keeper that re-opens its guests every few seconds); a path guest's own file is
 * not followed when it is a symlink (it could be pointed elsewhere between two commands).
 * /proc/PID/ns/net is a symlink by nature, so pid and container guests follow it.
 */
function openFlags(ref: GuestRef): number {
  return constants.O_RDONLY | constants.O_NONBLOCK | (ref.kind === 'path' ? constants.O_NOFOLLOW : 0);
}

/** notNetns — the error for a file that is not (or no longer) a network namespace; tryResolveGuest takes it for "gone". */
function notNetns(ref: GuestRef, file: string, why = 'is not a network namespace file'): TsnetError {
  return new TsnetError('EINVAL', `guest ${describeGuest(ref)}: ${file} ${why}`, { notNetns: true });
}

export function resolveGuest(given: GuestRef, containers?: ContainerLookup): ResolvedGuest {
  const ref = containerRef(given, containers);
  const files = guestPaths(ref, containers);
  let fd = -1;
  let netnsId: string | undefined;
  for (const file of files) {
    try {
      fd = openSync(file, openFlags(ref));
    } catch (e) {
      if (file !== files[files.length - 1]) continue;
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw notNetns(ref, file, 'is a symbolic link; give the namespace file itself (or pid:N for a process\'s)');
      throw new TsnetError('ENOTFOUND', `guest ${describeGuest(ref)} not found: ${notFoundWhy(ref, e as NodeJS.ErrnoException)}`);
    }
    netnsId = netnsIdOfFd(fd);
    if (netnsId) break;
    closeSync(fd);
    if (file === files[files.length - 1]) throw notNetns(ref, file);
  }
  if (netnsId === undefined) throw new TsnetError('ENOTFOUND', `guest ${describeGuest(ref)} not found`);
  if (netnsId === currentNetnsId()) {
    closeSync(fd);
    throw new TsnetError('EINVAL', `guest ${describeGuest(ref)} is tsnet's own network namespace; give the container's${ref.kind === 'container' ? ' (a --network host container has none of its own)' : ''}`);
  }
  let open = true;
  return {
    ref, name: describeGuest(ref), netnsId, fd, path: `/proc/${process.pid}/fd/${fd}`,
    close() { if (open) { open = false; closeSync(fd); } },
  };
}

function notFoundWhy(ref: GuestRef, e: NodeJS.ErrnoException): string {
  if (e.code !== 'ENOENT') return e.message;
  if (ref.kind === 'container') return 'its network namespace is gone (tsnet ps reconciles it)';
  if (ref.kind === 'netns') return `no network namespace "${ref.name}" (see ip netns list)`;
  if (ref.kind === 'pid') return `no process ${ref.pid}`;
  return `${guestPaths(ref)[0]} does not exist`;
}

/**
 * netnsIdOfFd — "net:[inode]" when fd is a namespace file, else undefined. A bind-mounted
 * netns (/run/netns/x) reads back as its mount path through /proc/self/fd, so the check is
 * on the device instead: every namespace file lives on the nsfs device.
 */
export function netnsIdOfFd(fd: number): string | undefined {
  const st = fstatSync(fd);
  return st.dev === nsfsDevice() ? `net:[${st.ino}]` : undefined;
}

let nsfsDev: number | undefined;
function nsfsDevice(): number {
  nsfsDev ??= statSync('/proc/self/ns/net').dev;
  return nsfsDev;
}

export function currentNetnsId(): string {
  return `net:[${statSync('/proc/thread-self/ns/net').ino}]`;
}

/**
 * tryResolveGuest — like resolveGuest, but a guest that is gone gives undefined; so does a
 * path that stopped being a network namespace (its netns was deleted and something else
 * took the name): detach and gc then clean up after it like after any vanished guest.
 */
export function tryResolveGuest(ref: GuestRef, containers?: ContainerLookup): ResolvedGuest | undefined {
  try {
    return resolveGuest(ref, containers);
  } catch (e) {
    if (e instanceof TsnetError && (e.code === 'ENOTFOUND' || e.detail?.['notNetns'] === true)) return undefined;
    throw e;
  }
}

/** openCurrentNetns — an fd on tsnet's own netns, for moving interfaces back home. */
export function openCurrentNetns(): NetnsRef & { close(): void } {
  const fd = openSync('/proc/thread-self/ns/net', 'r');
  return { fd, path: `/proc/${process.pid}/fd/${fd}`, close: () => closeSync(fd) };
}
