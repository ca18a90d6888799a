/**
 * cgroup-layout — where each controller lives on this machine (cgroup v1 hierarchies, the
 * v2 unified hierarchy, or the "hybrid" mix of both) and which files a container's limits
 * become. Pure: the caller reads /proc/self/mountinfo, /proc/self/cgroup and
 * cgroup.controllers. A controller is taken from the v1 hierarchy that has it, else from
 * v2 when v2 offers it; so v1, v2 and hybrid layouts are one code path.
 *
 * UPGRADE HAZARD: CGROUP_PARENT is where every container's cgroups are; gc finds leftovers
 * there. Changing it strands the cgroups of containers made before.
 * @pure
 */

export const CGROUP_PARENT = 'tsnet';

/** The controllers a container's limits use; devices is v1 only (v2 would need eBPF). */
export const CONTROLLERS = ['memory', 'cpu', 'pids', 'devices'] as const;
export type Controller = (typeof CONTROLLERS)[number];

export interface CgroupMount { mountPoint: string; version: 1 | 2; controllers: string[] }

export interface Hierarchy { mountPoint: string; version: 1 | 2; controllers: Controller[] }

/** unescape — mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** parseCgroupMounts — the cgroup and cgroup2 mounts of a /proc/self/mountinfo text. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    const mountPoint = left[4];
    if (!mountPoint || (fstype !== 'cgroup' && fstype !== 'cgroup2')) continue;
    if (left[3] !== '/') continue; // a bind of a sub-cgroup (a container's view): not the hierarchy's root
    const controllers = fstype === 'cgroup' ? (superOpts ?? '').split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.includes('=') && !['relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children', 'xattr', 'nsdelegate', 'cpuset_v2_mode', 'noprefix', 'memory_recursiveprot', 'memory_localevents', 'favordynmods', 'memory_hugetlb_accounting'].includes(o)) : [];
    const mp = unescape(mountPoint);
    if (out.some((m) => m.mountPoint === mp)) continue;
    out.push({ mountPoint: mp, version: fstype === 'cgroup' ? 1 : 2, controllers });
  }
  return out;
}

/** v1Hierarchies — /proc/self/cgroup's v1 lines as controller sets ("4:memory:/x" → ["memory"]); named ones skipped. */
export function v1Hierarchies(procCgroup: string): string[][] {
  const out: string[][] = [];
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):/.exec(line);
    if (!m || m[1] === '0' || !m[2]) continue;
    const controllers = m[2].split(',').filter((c) => !c.startsWith('name='));
    if (controllers.length > 0) out.push(controllers);
  }
  return out;
}

/**
 * chooseHierarchies — for each controller, the v1 mount that has it, else the v2 mount when
 * its root offers it (`v2Controllers`); controllers found nowhere are left out (and reported
 * by the caller when a limit needs one).
 */
export function chooseHierarchies(mounts: readonly CgroupMount[], v2Controllers: readonly string[]): Hierarchy[] {
  const out: Hierarchy[] = [];
  const v2 = mounts.find((m) => m.version === 2);
  for (const c of CONTROLLERS) {
    const v1 = mounts.find((m) => m.version === 1 && m.controllers.includes(c));
    const where = v1 ?? (v2 && c !== 'devices' && v2Controllers.includes(c) ? v2 : undefined);
    if (!where) continue;
    const h = out.find((x) => x.mountPoint === where.mountPoint);
    if (h) h.controllers.push(c);
    else out.push({ mountPoint: where.mountPoint, version: where.version, controllers: [c] });
  }
  return out;
}

export interface Limits {
  /** Bytes. */
  memory?: number | undefined;
  cpus?: number | undefined;
  /** -1: no limit. */
  pidsLimit?: number | undefined;
  privileged?: boolean | undefined;
}

export interface LimitWrite {
  controller: Controller;
  file: string;
  value: string;
  /** Written only when the file exists (memsw needs swap accounting). */
  optional?: boolean;
}

const CFS_PERIOD = 100000;

/** Docker's default device rules: mknod anything, use only the harmless nodes and terminals. */
const DEVICE_RULES = ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm'];

/** limitWrites — the files to write in a hierarchy of `version` for the container's limits, in order. */
export function limitWrites(version: 1 | 2, controllers: readonly Controller[], l: Limits): LimitWrite[] {
  const w: LimitWrite[] = [];
  const has = (c: Controller): boolean => controllers.includes(c);
  if (l.memory !== undefined && has('memory')) {
    if (version === 1) {
      w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(l.memory) });
      // Docker's default --memory-swap is twice --memory.
      w.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(l.memory * 2), optional: true });
    } else {
      w.push({ controller: 'memory', file: 'memory.max', value: String(l.memory) });
      w.push({ controller: 'memory', file: 'memory.swap.max', value: String(l.memory), optional: true });
    }
  }
  if (l.cpus !== undefined && has('cpu')) {
    const quota = Math.max(1000, Math.round(l.cpus * CFS_PERIOD));
    if (version === 1) {
      w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CFS_PERIOD) });
      w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(quota) });
    } else {
      w.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${CFS_PERIOD}` });
    }
  }
  if (l.pidsLimit !== undefined && has('pids')) {
    w.push({ controller: 'pids', file: 'pids.max', value: l.pidsLimit < 0 ? 'max' : String(l.pidsLimit) });
  }
  if (version === 1 && has('devices')) {
    if (l.privileged) w.push({ controller: 'devices', file: 'devices.allow', value: 'a' });
    else {
      w.push({ controller: 'devices', file: 'devices.deny', value: 'a' });
      for (const r of DEVICE_RULES) w.push({ controller: 'devices', file: 'devices.allow', value: r });
    }
  }
  return w;
}

/** missingFor — controllers a limit needs that the layout lacks (a one-line error names them). */
export function missingFor(hierarchies: readonly Hierarchy[], l: Limits): Controller[] {
  const have = new Set(hierarchies.flatMap((h) => h.controllers));
  const need: Controller[] = [];
  if (l.memory !== undefined) need.push('memory');
  if (l.cpus !== undefined) need.push('cpu');
  if (l.pidsLimit !== undefined) need.push('pids');
  return need.filter((c) => !have.has(c));
}

/** oomKills — the oom_kill count in memory.oom_control (v1) or memory.events (v2). */
export function oomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}
