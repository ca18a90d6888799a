/**
 * rootfs-view — a container's filesystem from the host, for export, commit and cp, running
 * or not, under the root-only containers directory:
 *   - to read (overlay): a read-only overlay of its upper dir over the image's layers, so
 *     there are no submounts (/proc, volumes) to wander into and a running container's own
 *     mount is left alone (lowerdirs may be shared; an upper dir may not);
 *   - to write: a running container's own root (/proc/PID/root), else its overlay mounted
 *     read-write for the copy;
 *   - vfs: its rootfs directory.
 * Views are mounted nosuid,nodev in tsnet's mount namespace and unmounted afterwards (gc
 * unmounts what a killed command left).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/containers.js';
import { MNT_DETACH, mount, umount2 } from '../storage/libc.js';
import { storedConfig } from './create.js';
import { containerPaths } from './paths.js';
import { processAlive } from './process.js';

const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;

/** readOnlyLower — overlay options with the upper dir as the top lowerdir and no upper/work dir. */
export function readOnlyLower(options: string): string {
  const get = (k: string): string | undefined => options.split(',').find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
  return `lowerdir=${get('upperdir')}:${get('lowerdir')}`;
}

export async function withRootfsView<T>(root: string, c: ContainerRecord, mode: 'read' | 'write', fn: (dir: string) => Promise<T>): Promise<T> {
  const cfg = storedConfig(c);
  const overlay = cfg.rootfs.overlay;
  if (!overlay) return fn(cfg.rootfs.path);
  if (mode === 'write' && c.state === 'running' && processAlive(c.pid, c.pidStart)) return fn(`/proc/${c.pid}/root/.`);
  const dir = join(containerPaths(root, c.id).dir, `view-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  const cwd = process.cwd();
  try {
    process.chdir(overlay.cwd); // the lowerdirs are relative to the layers dir
    try {
      if (mode === 'read') mount('overlay', dir, 'overlay', MS_RDONLY | MS_NOSUID | MS_NODEV, readOnlyLower(overlay.options));
      else mount('overlay', dir, 'overlay', MS_NOSUID | MS_NODEV, overlay.options);
    } finally {
      process.chdir(cwd);
    }
    try {
      return await fn(dir);
    } finally {
      umount2(dir, MNT_DETACH);
    }
  } finally {
    fs.rmdirSync(dir);
  }
}
