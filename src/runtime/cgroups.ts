/**
 * cgroups — a container's cgroups: found where this machine mounts them, or mounted by
 * tsnet itself under /run/tsnet/cgroup when /sys/fs/cgroup is empty (`ip netns exec`
 * remounts /sys without them); made under tsnet/<root id>/<container id> in each hierarchy,
 * limits written before the container's process joins, removed (with a short retry while
 * the last processes exit) when it is gone.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { TsnetError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { mount } from '../storage/libc.js';
import {
  CGROUP_PARENT, chooseHierarchies, limitWrites, missingFor, oomKills, parseCgroupMounts, v1Hierarchies,
  type Hierarchy, type Limits,
} from './cgroup-layout.js';

const SELF_MOUNTS = '/run/tsnet/cgroup';

let cached: Hierarchy[] | undefined;

function readText(path: string): string {
  try { return fs.readFileSync(path, 'utf8'); } catch { return ''; }
}

/** hierarchies — this process's view of the cgroup hierarchies, mounting them when none is. */
export function hierarchies(): Hierarchy[] {
  if (cached) return cached;
  let mounts = parseCgroupMounts(readText('/proc/self/mountinfo'));
  if (mounts.length === 0) {
    mountOwn();
    mounts = parseCgroupMounts(readText('/proc/self/mountinfo'));
  }
  const v2 = mounts.find((m) => m.version === 2);
  const v2Controllers = v2 ? readText(join(v2.mountPoint, 'cgroup.controllers')).trim().split(/\s+/).filter(Boolean) : [];
  cached = chooseHierarchies(mounts, v2Controllers);
  return cached;
}

/**
 * mountOwn — the kernel's hierarchies, mounted in this mount namespace: each v1 hierarchy
 * with exactly its controller set (what /proc/self/cgroup lists), else cgroup2.
 */
function mountOwn(): void {
  const v1 = v1Hierarchies(readText('/proc/self/cgroup'));
  for (const controllers of v1) {
    const dir = join(SELF_MOUNTS, controllers.join(','));
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    debug(`mount cgroup (${controllers.join(',')}) on ${dir}`);
    mount('cgroup', dir, 'cgroup', 0, controllers.join(','));
  }
  if (v1.length === 0 && readText('/proc/filesystems').includes('\tcgroup2\n')) {
    const dir = join(SELF_MOUNTS, 'unified');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    mount('cgroup2', dir, 'cgroup2', 0, null);
  }
}

/** rootDir — tsnet/<root id> under a hierarchy: where this state root's containers are. */
export function rootDirs(rootId: string): string[] {
  return hierarchies().map((h) => join(h.mountPoint, CGROUP_PARENT, rootId));
}

export function containerDirs(rootId: string, id: string): string[] {
  return rootDirs(rootId).map((d) => join(d, id));
}

/** enableV2 — a v2 child gets controllers only when every ancestor delegates them. */
function enableV2(h: Hierarchy, rootId: string): void {
  const wanted = h.controllers.map((c) => `+${c}`).join(' ');
  for (const d of [h.mountPoint, join(h.mountPoint, CGROUP_PARENT), join(h.mountPoint, CGROUP_PARENT, rootId)]) {
    const current = readText(join(d, 'cgroup.subtree_control')).split(/\s+/);
    if (h.controllers.every((c) => current.includes(c))) continue;
    fs.writeFileSync(join(d, 'cgroup.subtree_control'), wanted);
  }
}

/**
 * makeUnderRoot — mkdir the container's cgroup under tsnet/<root id>, making that too; again
 * if a removal of the root's last container took tsnet/<root id> away in between.
 */
function makeUnderRoot(h: Hierarchy, rootId: string, dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(join(h.mountPoint, CGROUP_PARENT, rootId), { recursive: true });
      if (h.version === 2) enableV2(h, rootId);
      fs.mkdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
    }
  }
}

/** createCgroups — the container's cgroup in each hierarchy, with its limits; returns the dirs. */
export function createCgroups(rootId: string, id: string, limits: Limits): string[] {
  const hs = hierarchies();
  const missing = missingFor(hs, limits);
  if (missing.length > 0) throw new TsnetError('EUNSUPPORTED', `this machine has no ${missing.join(', ')} cgroup controller, so the limit cannot be applied`);
  const made: string[] = [];
  try {
    for (const h of hs) {
      const dir = join(h.mountPoint, CGROUP_PARENT, rootId, id);
      makeUnderRoot(h, rootId, dir);
      made.push(dir);
      for (const w of limitWrites(h.version, h.controllers, limits)) {
        const file = join(dir, w.file);
        if (w.optional && !fs.existsSync(file)) continue;
        debug(`cgroup ${file} = ${w.value}`);
        fs.writeFileSync(file, w.value);
      }
    }
    return made;
  } catch (e) {
    removeCgroups(made);
    if (e instanceof TsnetError) throw e;
    throw new TsnetError('EKERNEL', `cannot set up the container's cgroups: ${(e as Error).message}`);
  }
}

/**
 * removeCgroups — rmdir each dir; the kernel refuses while a process is still in it, and the
 * container's last processes may take a moment to exit after its init: retry for ~2 s.
 * tsnet/<root id> goes too once it is empty (the root's last container), so removed state
 * roots leave no cgroups behind. Returns the dirs that could not be removed.
 */
export function removeCgroups(dirs: readonly string[]): string[] {
  const left: string[] = [];
  for (const d of dirs) {
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(d);
        try { fs.rmdirSync(dirname(d)); } catch { /* other containers of the root (EBUSY), or gone */ }
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || i >= 100) { left.push(d); break; }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
  return left;
}

/** cgroupPids — the processes in the container's cgroups (its own pid namespace's processes, seen from here). */
export function cgroupPids(dirs: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const d of dirs) for (const l of readText(join(d, 'cgroup.procs')).split('\n')) if (l) pids.add(Number(l));
  return [...pids].sort((a, b) => a - b);
}

/** wasOomKilled — whether the kernel's OOM killer killed a process of the container. */
export function wasOomKilled(dirs: readonly string[]): boolean {
  return dirs.some((d) => oomKills(readText(join(d, 'memory.oom_control')) || readText(join(d, 'memory.events'))) > 0);
}

/** leftoverCgroups — container cgroup dirs of this root whose id `keep` does not accept. */
export function leftoverCgroups(rootId: string, keep: (id: string) => boolean): string[] {
  const out: string[] = [];
  for (const d of rootDirs(rootId)) {
    let names: string[];
    try { names = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { continue; }
    for (const n of names) if (/^[0-9a-f]{64}$/.test(n) && !keep(n)) out.push(join(d, n));
  }
  return out;
}
