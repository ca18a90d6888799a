/**
 * keeper-netns — the network namespace a state root's lease keeper runs in: the root's host
 * namespace, recorded (meta `host_netns`, "net:[inode]") by the operations that give the
 * keeper work (a DHCP attach, a network with a DHCP server, a container that needs the
 * embedded DNS), which run there by definition. Whatever command later finds the keeper
 * dead restarts it THERE, not in its own namespace: after `ip netns exec X tsnet network ls`
 * a keeper in X could no longer bind its servers' sockets, and would never heal.
 * A namespace is found by its inode: this process's own, the context's host, a named netns,
 * pid 1's, or any process's /proc/PID/ns/net.
 */
import { fstatSync, readdirSync, statSync } from 'node:fs';
import { currentNetnsId, NETNS_RUN_DIR } from '../netns/guest.js';
import type { NetnsRef } from '../netlink/linkops.js';

export const HOST_NETNS_KEY = 'host_netns';

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
