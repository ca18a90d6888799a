/**
 * sysctl — reads and writes /proc/sys keys for one network namespace, shared by both LinkOps
 * backends. /proc/sys/net shows the namespace of whoever OPENS the file, so for another
 * netns the file is opened inside inNetns() (synchronously, on the main thread) and then
 * read or written after switching back; for the current netns plain fs calls suffice.
 * No process is spawned: `sysctl -w` would cost a fork per key.
 */
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { TsnetError, invalid } from '../core/errors.js';
import { debug } from '../core/log.js';
import { inNetns } from '../netns/in-netns.js';

const KEY_RE = /^[A-Za-z0-9_.@+=/-]+$/;

/**
 * sysctlPath — "net.ipv4.conf.eth1.arp_notify" → /proc/sys/net/ipv4/conf/eth1/arp_notify.
 * A key containing '/' is taken as a path already (for interface names with dots, e.g.
 * "net/ipv4/conf/eth0.100/arp_notify"), as sysctl(8) allows.
 */
export function sysctlPath(key: string): string {
  const rel = key.includes('/') ? key : key.replace(/\./g, '/');
  if (!KEY_RE.test(key) || rel.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw invalid(`sysctl key "${key}" is not valid (e.g. net.ipv4.conf.all.forwarding)`);
  }
  return `/proc/sys/${rel}`;
}

function open(key: string, flags: number, netnsFd: number | undefined): number {
  const path = sysctlPath(key);
  try {
    return netnsFd === undefined ? openSync(path, flags) : inNetns(netnsFd, () => openSync(path, flags));
  } catch (e) {
    throw sysctlError(key, e);
  }
}

function sysctlError(key: string, e: unknown): TsnetError {
  if (e instanceof TsnetError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new TsnetError('ENOTFOUND', `sysctl ${key} does not exist in this network namespace`);
  if (code === 'EINVAL') return invalid(`sysctl ${key}: the kernel rejected the value`);
  return new TsnetError('EKERNEL', `cannot access sysctl ${key}: ${(e as Error).message}`);
}

/** writeSysctl — writes value to key, in the netns of netnsFd (or the current one). */
export function writeSysctl(key: string, value: string, netnsFd?: number): void {
  if (/[\n\0]/.test(value)) throw invalid(`sysctl value for ${key} must be a single line`);
  debug(`sysctl ${key}=${value}${netnsFd === undefined ? '' : ` (netns fd ${netnsFd})`}`);
  const fd = open(key, constants.O_WRONLY, netnsFd);
  try {
    writeSync(fd, value);
  } catch (e) {
    throw sysctlError(key, e);
  } finally {
    closeSync(fd);
  }
}

/** readSysctl — the value of key without the trailing newline. */
export function readSysctl(key: string, netnsFd?: number): string {
  const fd = open(key, constants.O_RDONLY, netnsFd);
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(4096);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
  } catch (e) {
    throw sysctlError(key, e);
  } finally {
    closeSync(fd);
  }
}
