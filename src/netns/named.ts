/**
 * named — named network namespaces (/run/netns/NAME, as `ip netns` keeps them), made and
 * removed many at a time: one `ip -batch` process for a whole lab instead of one `ip netns
 * add` per namespace (each costs a process start). Existing names are left alone on create
 * and missing ones are success on delete, so both are idempotent.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { validateNetnsName } from '../core/names.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { NETNS_RUN_DIR } from './guest.js';

export function netnsPath(name: string): string {
  return `${NETNS_RUN_DIR}/${validateNetnsName(name)}`;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** createNamedNetns — makes the missing ones; returns the names it made. */
export async function createNamedNetns(names: readonly string[]): Promise<string[]> {
  const missing = [...new Set(names)].filter((n) => !netnsExists(n));
  if (missing.length === 0) return [];
  const r = await run(['ip', '-force', '-batch', '-'], { input: missing.map((n) => `netns add ${n}\n`).join(''), allowFailure: true });
  const failed = missing.filter((n) => !netnsExists(n));
  if (failed.length > 0) {
    throw new TsnetError('EKERNEL', `cannot create network namespace ${failed[0]}${failed.length > 1 ? ` and ${failed.length - 1} more` : ''}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  }
  return missing;
}

/** deleteNamedNetns — removes those that exist; returns the names it could not remove. */
export async function deleteNamedNetns(names: readonly string[]): Promise<string[]> {
  const present = [...new Set(names)].filter((n) => netnsExists(n));
  if (present.length === 0) return [];
  await run(['ip', '-force', '-batch', '-'], { input: present.map((n) => `netns del ${n}\n`).join(''), allowFailure: true });
  return present.filter((n) => netnsExists(n));
}

/** openNamedNetns — an fd on the namespace (a NetnsRef for LinkOps), closed by the caller. */
export function openNamedNetns(name: string): NetnsRef & { close(): void } {
  let fd: number;
  try {
    fd = openSync(netnsPath(name), 'r');
  } catch (e) {
    throw new TsnetError('ENOTFOUND', `no network namespace "${name}": ${(e as Error).message}`);
  }
  let open = true;
  return { fd, path: `/proc/${process.pid}/fd/${fd}`, close: () => { if (open) { open = false; closeSync(fd); } } };
}

/** argvIn — argv run inside the named netns (nsenter keeps /sys and mounts, unlike ip netns exec); as is without one. */
export function argvIn(netns: string | undefined, argv: readonly string[]): string[] {
  return netns === undefined ? [...argv] : ['nsenter', `--net=${netnsPath(netns)}`, '--', ...argv];
}
