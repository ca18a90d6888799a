/**
 * paths — where a container's files live. Everything is under ROOT/containers, a root-only
 * (0700) directory: the image's rootfs (its overlay upper dir, or the vfs copy) may hold
 * setuid files, and no other user may reach them. Pure.
 *
 * UPGRADE HAZARD: gc and rm find containers' files by these names; the netns pin name is
 * what `ip netns` shows for a running container.
 * @pure
 */
import { join } from 'node:path';

export const CONTAINERS_DIR = 'containers';

export interface ContainerPaths {
  dir: string;
  /** The graph driver's rootfs dir (overlay: upper, work, merged; vfs: rootfs). */
  rootfs: string;
  hosts: string;
  hostname: string;
  resolv: string;
  /** Output, Docker's json-file format: one {"log","stream","time"} object per line. */
  log: string;
  /** Written by the shim when the container exits: {"exitCode","signal","finishedAt"}. */
  exit: string;
  /** The shim's own diagnostics after the CLI that started it left. */
  shimLog: string;
}

export function containersDir(root: string): string {
  return join(root, CONTAINERS_DIR);
}

export function containerPaths(root: string, id: string): ContainerPaths {
  const dir = join(containersDir(root), id);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolv: join(dir, 'resolv.conf'),
    log: join(dir, 'container.log'),
    exit: join(dir, 'exit.json'),
    shimLog: join(dir, 'shim.log'),
  };
}

/** netnsPin — the container's network namespace as `ip netns` names it while it runs. */
export function netnsPin(id: string): string {
  return `/run/netns/tsnet-${id.slice(0, 16)}`;
}
