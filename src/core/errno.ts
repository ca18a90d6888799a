/**
 * errno — an errno number as people read it: its name and what it means ("ENETDOWN:
 * network is down"), never a bare number. Pure.
 * @pure
 */
import { constants } from 'node:os';

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** What the common ones mean (strerror's words). */
const MEANING: Record<string, string> = {
  EPERM: 'operation not permitted (tsnet needs root)', EACCES: 'permission denied', ENOENT: 'no such file or directory',
  EEXIST: 'already exists', EBUSY: 'device or resource busy', EINVAL: 'invalid argument', ENODEV: 'no such device',
  ENETDOWN: 'network is down', ENETUNREACH: 'network is unreachable', EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available', EROFS: 'read-only file system', EAGAIN: 'resource temporarily unavailable',
  EINTR: 'interrupted', EBADF: 'bad file descriptor', ENOBUFS: 'no buffer space available', EMFILE: 'too many open files',
  ENOTSUP: 'not supported', EOPNOTSUPP: 'operation not supported', EAFNOSUPPORT: 'address family not supported',
  EPROTONOSUPPORT: 'protocol not supported', ENXIO: 'no such device or address', ECONNREFUSED: 'connection refused',
};

export function errnoText(n: number): string {
  const name = NAMES.get(n);
  if (!name) return `error ${n}`;
  const meaning = MEANING[name];
  return meaning ? `${name}: ${meaning}` : name;
}
