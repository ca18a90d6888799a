/**
 * top — the processes of a running container, as the host sees them (`docker top`): every
 * process in its cgroups, with uid, pid, parent, CPU time and command line from /proc.
 */
import * as fs from 'node:fs';
import type { EngineContext } from '../engine/context.js';
import { TsnetError } from '../core/errors.js';
import { cgroupPids, containerDirs } from './cgroups.js';
import { reconcile, requireContainer } from './reconcile.js';

export interface ProcessView { uid: number; pid: number; ppid: number; time: string; cmd: string }

const TICKS = 100; // USER_HZ on Linux

function proc(pid: number): ProcessView | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const secs = Math.floor((Number(f[11]) + Number(f[12])) / TICKS);
    const time = `${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
    return { uid, pid, ppid: Number(f[1]), time, cmd: cmdline || `[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}]` };
  } catch {
    return undefined; // exited meanwhile
  }
}

export async function topContainer(ctx: EngineContext, text: string): Promise<ProcessView[]> {
  const c = await reconcile(ctx, requireContainer(ctx, text));
  if (c.state !== 'running') throw new TsnetError('ECONFLICT', `container ${c.name} is not running`);
  return cgroupPids(containerDirs(ctx.rootId, c.id)).flatMap((p) => proc(p) ?? []);
}
