/**
 * start — `tsnet start` (and the second half of `run`). One plan, each step with its undo:
 *   cgroups (limits set) → /etc files → tsnet-init clones the namespaces and waits ("ready",
 *   its netns pinned) → the network engine configures that netns (eth0.., ports, the
 *   remembered attachments) → final /etc/hosts and resolv.conf → "go": rootfs, identity,
 *   exec ("started") → the row says running.
 * A failure anywhere unwinds what was done and leaves the container as it was (created or
 * exited, with the error recorded). Two callers starting one container: one wins the
 * created/exited → starting transition, the other is told.
 */
import * as fs from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import { TsnetError } from '../core/errors.js';
import { applyPlan, Plan } from '../core/plan.js';
import { containerObject, runIntent, type Intent } from '../core/intent.js';
import type { EngineContext } from '../engine/context.js';
import { tsnetBin } from '../dhcp/supervise.js';
import { isNetnsFile } from '../netns/guest.js';
import type { ContainerRecord } from '../state/containers.js';
import { createCgroups, removeCgroups } from './cgroups.js';
import { connectNetworks, disconnectNetworks } from './container-network.js';
import { storedConfig, type StoredConfig } from './create.js';
import { awaitEmbeddedDns, usesEmbeddedDns, writeEtcFiles } from './etc-writer.js';
import { Helper } from './helper.js';
import { runEntries, type NetPlan } from './helper-config.js';
import { launchPlan } from './launch-plan.js';
import { containerPaths, netnsPin } from './paths.js';
import { containerNetnsPaths, processStartTime } from './process.js';
import { reconcile, requireContainer } from './reconcile.js';

export interface StartOptions {
  /**
   * Attach: the helper shares tsnet's stdout/stderr (and stdin when `stdin`), or with `pipe`
   * (a daemon serving the command) gives its output on helper.child.stdout/stderr; the
   * caller waits for its exit.
   */
  foreground?: { stdin: boolean; pipe?: boolean | undefined } | undefined;
}

export interface StartResult {
  container: ContainerRecord;
  /** The shim, when started in the foreground (wait for its "exit" report). */
  helper?: Helper | undefined;
  alreadyRunning: boolean;
  warnings: string[];
}

/** operator — this process, recorded on a container while it changes state. */
export function operator(): { pid: number; start: string } {
  return { pid: process.pid, start: processStartTime(process.pid) ?? '' };
}

/** netPlan — where the container's netns comes from; a shared one must belong to a running container. */
async function netPlan(ctx: EngineContext, c: ContainerRecord, cfg: StoredConfig): Promise<{ net: NetPlan; shared?: ContainerRecord }> {
  const mode = cfg.spec.networkMode ?? { kind: 'networks' };
  if (mode.kind === 'host') return { net: { kind: 'host' } };
  if (mode.kind === 'container') {
    const found = ctx.containers.find(mode.container);
    if (!found) throw new TsnetError('ENOTFOUND', `no container "${mode.container}" to share a network namespace with`);
    const other = await reconcile(ctx, found);
    const paths = containerNetnsPaths(other);
    if (other.state !== 'running' || paths.length === 0) throw new TsnetError('ECONFLICT', `container ${other.name} is not running; start it first (--network container:${mode.container})`);
    if (other.id === c.id) throw new TsnetError('EINVAL', 'a container cannot share its own network namespace');
    return { net: { kind: 'join', path: paths.find(isNetnsFile) ?? paths[0]! }, shared: other };
  }
  return { net: { kind: 'new', pin: netnsPin(c.id) } };
}

export async function startContainer(ctx: EngineContext, text: string, opts: StartOptions = {}): Promise<StartResult> {
  const found = await reconcile(ctx, requireContainer(ctx, text));
  if (found.state === 'running') return { container: found, alreadyRunning: true, warnings: [] };
  const cfg = storedConfig(found);
  const { net, shared } = await netPlan(ctx, found, cfg);
  const before = found.state;
  return runIntent(ctx, { op: 'container-start', object: containerObject(found.id), data: { label: `container ${found.name}`, before } }, async (intent) => {
    if (!ctx.containers.transition(found.id, ['created', 'exited'], 'starting', operator())) {
      throw new TsnetError('ECONFLICT', `container ${found.name} is being ${ctx.containers.byId(found.id)?.state ?? 'removed'} by another tsnet command`);
    }
    return startSteps(ctx, ctx.containers.byId(found.id)!, cfg, before, net, shared, opts, intent);
  });
}

async function startSteps(ctx: EngineContext, c: ContainerRecord, cfg: StoredConfig, before: string, net: NetPlan, shared: ContainerRecord | undefined, opts: StartOptions, intent: Intent): Promise<StartResult> {
  const paths = containerPaths(ctx.root, c.id);
  const s = cfg.spec;
  const hostname = s.networkMode?.kind === 'host' ? hostHostname() : shared ? storedConfig(shared).hostname : cfg.hostname;
  const etc = shared ? containerPaths(ctx.root, shared.id) : paths;
  const detach = opts.foreground === undefined;
  let cgroups: string[] = [];
  let helper: Helper | undefined;
  const warnings: string[] = [];
  const plan = new Plan()
    .add({
      name: 'cgroups',
      describe: `make the container's cgroups${s.memory ? ` (memory ${s.memory})` : ''}${s.cpus ? ` (cpus ${s.cpus})` : ''}${s.pidsLimit ? ` (pids ${s.pidsLimit})` : ''}`,
      apply: () => { cgroups = createCgroups(ctx.rootId, c.id, { memory: s.memory, cpus: s.cpus, pidsLimit: s.pidsLimit, privileged: s.privileged }); },
      undo: () => { removeCgroups(cgroups); },
    })
    .add({
      name: 'etc-files',
      describe: 'write /etc/hosts, /etc/hostname and /etc/resolv.conf',
      apply: () => { if (!shared) writeEtcFiles(ctx, c, cfg, paths, hostname); },
    })
    .add({
      name: 'namespaces',
      describe: `clone the container's namespaces (${net.kind === 'new' ? 'a new netns' : net.kind === 'host' ? "the host's netns" : `the netns of ${shared?.name}`})`,
      apply: async () => {
        fs.rmSync(paths.exit, { force: true });
        const plan = launchPlan({
          config: cfg, paths, etc, hostname: net.kind === 'host' ? undefined : hostname, net, cgroups, detach,
          hook: [process.execPath, tsnetBin(), 'container-exited', '--root', ctx.root, c.id],
        });
        helper = new Helper(runEntries(plan), { foreground: !detach, stdin: opts.foreground?.stdin ?? false, pipe: opts.foreground?.pipe });
        const ready = await helper.next('ready');
        ctx.containers.setProcess(c.id, {
          pid: ready.pid!, pidStart: processStartTime(ready.pid!) ?? '', shimPid: helper.pid, shimStart: processStartTime(helper.pid) ?? '',
          netns: net.kind === 'new' ? net.pin ?? null : null,
        });
      },
      undo: async () => { await helper?.abort(); },
    })
    .add({
      name: 'network',
      describe: `connect ${ctx.containers.networks(c.id).map((n) => n.network).join(', ') || 'no network'}${(s.ports ?? []).length ? `, publish ${s.ports!.join(' ')}` : ''}`,
      apply: async () => {
        if (net.kind === 'new') warnings.push(...await connectNetworks(ctx, ctx.containers.byId(c.id)!, s.ports ?? []));
        if (!shared) writeEtcFiles(ctx, c, cfg, paths, hostname);
        if (usesEmbeddedDns(ctx, c, cfg)) {
          const w = await awaitEmbeddedDns(ctx, c);
          if (w) warnings.push(w);
        }
      },
      undo: async () => { if (net.kind === 'new') await disconnectNetworks(ctx, ctx.containers.byId(c.id)!); },
    })
    .add({
      name: 'go',
      describe: 'mount the rootfs, drop privileges and exec the command',
      apply: async () => {
        helper!.go();
        await helper!.next('started');
        ctx.containers.setState(c.id, 'running');
      },
    });
  try {
    await applyPlan(plan, { intent });
  } catch (e) {
    ctx.containers.setStopped(c.id, { state: before === 'created' ? 'created' : 'exited', exitCode: c.exitCode, finishedAt: c.finishedAt, error: (e as Error).message });
    throw e;
  }
  if (detach) helper!.release();
  return { container: ctx.containers.byId(c.id)!, helper: detach ? undefined : helper, alreadyRunning: false, warnings };
}

