/**
 * keeper-netns — the network namespace a state root's lease keeper runs in: the root's host
 * namespace, recorded (meta `host_netns`, "net:[inode]") by the operations that give the
 * keeper work (a DHCP attach, a network with a DHCP server, a container that needs the
 * embedded DNS), which run there by definition. Whatever command later finds the keeper
 * dead restarts it THERE, not in its own namespace: after `ip netns exec X tsnet network ls`
 * a keeper in X could no longer bind its servers' sockets, and would never heal.
 * A namespace is found by its inode: this process's own, the context's host, a named netns,
 * pid 1's, or any process's /proc/PID/ns/net.
 *
 * Inodes do not survive a reboot, so the boot it was recorded in is kept next to it (meta
 * `host_netns_boot`, the kernel's boot_id): a record of an earlier boot names no namespace
 * at all, and the keeper started at boot (contrib/systemd) records where it runs now.
 */
import { fstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { currentNetnsId, NETNS_RUN_DIR } from '../netns/guest.js';
import type { NetnsRef } from '../netlink/linkops.js';
import type { KeeperMeta } from './dhcp-context.js';

/** UPGRADE HAZARD: meta keys in existing roots. */
export const HOST_NETNS_KEY = 'host_netns';
export const HOST_NETNS_BOOT_KEY = 'host_netns_boot';

/** bootId — this boot's identity (a random UUID the kernel makes at boot). */
export function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/**
 * recordedHome — the recorded host namespace if it belongs to this boot; undefined when none
 * is recorded or the record is from an earlier boot. A record without its boot (roots from
 * before the boot was kept) counts while a namespace with that inode exists.
 */
export function recordedHome(meta: KeeperMeta, hostNetns: NetnsRef | undefined): string | undefined {
  const id = meta.get(HOST_NETNS_KEY);
  if (id === undefined) return undefined;
  const boot = meta.get(HOST_NETNS_BOOT_KEY);
  if (boot === undefined) return id === currentNetnsId() || netnsPathFor(id, hostNetns) !== undefined ? id : undefined;
  return boot === bootId() ? id : undefined;
}

/** recordHome — the keeper's home is this namespace, in this boot (kept unless a record of this boot exists). */
export function recordHome(meta: KeeperMeta, id: string, hostNetns: NetnsRef | undefined): void {
  if (recordedHome(meta, hostNetns) !== undefined) return;
  meta.set(HOST_NETNS_KEY, id);
  meta.set(HOST_NETNS_BOOT_KEY, bootId());
}

/** hostNetnsId — the identity of the host namespace a context works in (its hostNetns, else this process's). */
export function hostNetnsId(hostNetns: NetnsRef | undefined): string {
  return hostNetns ? `net:[${fstatSync(hostNetns.fd).ino}]` : currentNetnsId();
}

function inodeOf(path: string): number | undefined {
  try { return statSync(path).ino; } catch { return undefined; }
}

/** netnsPathFor — a path that opens the namespace with that identity, or undefined when none is found. */
export function netnsPathFor(id: string, hostNetns: NetnsRef | undefined): string | undefined {
  const ino = Number(/^net:\[(\d+)\]$/.exec(id)?.[1]);
  if (!Number.isSafeInteger(ino)) return undefined;
  const candidates = function* (): Generator<string> {
    if (hostNetns) yield hostNetns.path;
    let named: string[] = [];
    try { named = readdirSync(NETNS_RUN_DIR); } catch { /* none */ }
    for (const n of named) yield `${NETNS_RUN_DIR}/${n}`;
    let pids: string[] = [];
    try { pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)); } catch { /* no /proc */ }
    for (const p of pids) yield `/proc/${p}/ns/net`;
  };
  for (const path of candidates()) if (inodeOf(path) === ino) return path;
  return undefined;
}
