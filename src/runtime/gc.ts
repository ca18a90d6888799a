/**
 * gc — the containers' part of `tsnet gc`: interrupted container operations settled (their
 * intent records), every container reconciled (a dead shim, a killed process: exit
 * recorded, network, netns pin and cgroups freed), a running container whose netns pin went
 * with /run pinned again, and what no container of this root owns any more removed: cgroup
 * directories, netns pins, container directories, and rootfs mounts left in this mount
 * namespace (a killed export or cp). Runs before the network gc, which then finds the
 * attachments the containers freed already gone.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../engine/context.js';
import { isNetnsFile } from '../netns/guest.js';
import { MNT_DETACH, mount, umount2 } from '../storage/libc.js';
import { removePath } from '../storage/remove-tree.js';
import { leftoverCgroups, removeCgroups } from './cgroups.js';
import { containerPaths, containersDir, netnsPin } from './paths.js';
import { processAlive } from './process.js';
import { reconcile } from './reconcile.js';

const MS_BIND = 4096;

export interface ContainerGcReport { actions: string[]; errors: string[] }

export async function gcContainers(ctx: EngineContext, opts: { dryRun?: boolean } = {}): Promise<ContainerGcReport> {
  const report: ContainerGcReport = { actions: [], errors: [] };
  const dry = opts.dryRun ?? false;
  const act = (what: string, fn: () => unknown): void => {
    try {
      if (!dry) fn();
      report.actions.push(`${dry ? 'would have ' : ''}${what}`);
    } catch (e) {
      report.errors.push(`${what}: ${(e as Error).message}`);
    }
  };
  if (!dry) {
    // Each container once (settle takes all of an object's records), before its reconcile.
    const objects = new Set(ctx.intents.all().map((x) => x.object).filter((o) => o.startsWith('container:')));
    for (const object of objects) {
      try { report.actions.push(...(await ctx.settle(object)).map((x) => x.message)); } catch (e) { report.errors.push((e as Error).message); }
    }
  }
  for (const c of ctx.containers.all()) {
    if (dry) continue;
    try {
      const now = await reconcile(ctx, c);
      const after = ctx.containers.byId(c.id);
      if (c.state !== now.state || !after) report.actions.push(`container ${c.name}: ${after ? `${c.state} → ${now.state}${now.error ? ` (${now.error})` : ''}` : 'removed (--rm)'}`);
    } catch (e) {
      report.errors.push(`container ${c.name}: ${(e as Error).message}`);
    }
  }
  const live = new Map(ctx.containers.all().map((c) => [c.id, c]));
  for (const c of live.values()) {
    if (c.state !== 'running' || !c.netns || !processAlive(c.pid, c.pidStart) || isNetnsFile(c.netns)) continue;
    // /run lost (or the pin unmounted) while the container runs: its process still holds the netns.
    act(`pinned the network namespace of ${c.name} again at ${c.netns}`, () => {
      fs.mkdirSync('/run/netns', { recursive: true });
      fs.closeSync(fs.openSync(c.netns!, 'a'));
      mount(`/proc/${c.pid}/ns/net`, c.netns!, 'none', MS_BIND, null);
    });
  }
  const running = (id: string): boolean => ['running', 'starting', 'stopping'].includes(live.get(id)?.state ?? '');
  for (const d of leftoverCgroups(ctx.rootId, running)) act(`removed leftover cgroup ${d}`, () => { if (removeCgroups([d]).length) throw new Error('still busy'); });
  for (const c of live.values()) {
    if (!running(c.id) && fs.existsSync(netnsPin(c.id))) act(`removed the stale netns pin ${netnsPin(c.id)}`, () => { try { umount2(netnsPin(c.id), MNT_DETACH); } catch { /* not mounted */ } fs.unlinkSync(netnsPin(c.id)); });
  }
  const dir = containersDir(ctx.root);
  for (const m of ownMounts(dir)) act(`unmounted leftover ${m}`, () => umount2(m, MNT_DETACH));
  for (const id of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!/^[0-9a-f]{64}$/.test(id) || live.has(id) || ctx.intents.forObject(`container:${id}`).length > 0) continue;
    act(`removed the directory of a container with no record (${id.slice(0, 12)})`, () => removePath(containerPaths(ctx.root, id).dir));
  }
  return report;
}

/** ownMounts — mount points under the containers dir in this mount namespace, deepest first. */
function ownMounts(dir: string): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return text.split('\n').map((l) => l.split(' ')[4] ?? '').map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p.startsWith(join(dir, '/'))).sort((a, b) => b.length - a.length);
}
