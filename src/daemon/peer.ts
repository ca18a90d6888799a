/**
 * peer — who is on the other end of a unix socket: SO_PEERCRED's pid, uid and gid, taken
 * by the kernel at connect() and unforgeable; and whether that user may use the daemon
 * (root, or a member of the socket's group, as Docker does with its docker group).
 * Node has no getsockopt, so it comes from libc through koffi.
 */
import { readFileSync } from 'node:fs';
import { bindLibc, type Bound } from '../core/libc.js';
import { errnoText } from '../core/errno.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

type Fns = { getsockopt: (fd: number, level: number, name: number, value: Buffer, len: Buffer) => number };
let libc: Bound<Fns> | undefined;

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

/** peerCred — struct ucred of a connected unix socket's peer. */
export function peerCred(fd: number): PeerCred {
  libc ??= bindLibc<Fns>({ getsockopt: 'int getsockopt(int fd, int level, int name, void *value, void *len)' });
  const cred = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(cred.length);
  if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) throw new Error(`SO_PEERCRED failed (${errnoText(libc.errno())})`);
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8) };
}

/** groupsOf — the supplementary groups of a live process, from /proc (empty if it is gone). */
export function groupsOf(pid: number): number[] {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Groups:'));
    return (line?.slice(7).trim().split(/\s+/) ?? []).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** allowed — root, or a member (primary or supplementary) of `group` (the socket's, if any). */
export function allowed(peer: PeerCred, group: number | undefined): boolean {
  if (peer.uid === 0) return true;
  if (group === undefined) return false;
  return peer.gid === group || groupsOf(peer.pid).includes(group);
}

/** groupId — the gid of a group named in /etc/group, or undefined when there is none. */
export function groupId(name: string): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[0] === name);
    const gid = line?.split(':')[2];
    return gid === undefined ? undefined : Number(gid);
  } catch {
    return undefined;
  }
}
