/**
 * lab — the lab operations as the CLI (and later the daemon) calls them: read a file into a
 * model, and up / down / apply / netem / link on a lab under its lock, keeping its record.
 * Bad input and unsupported impairments are refused before the record is written or the
 * kernel touched; a failed (or interrupted) first `up` is rolled back, a failed later one is
 * left for the next `up` or `down`. Up, apply and down are intent records (intents.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { TsnetError, invalid } from '../core/errors.js';
import type { LinkOpsBackend } from '../netlink/linkops.js';
import { requireImpairments } from '../tc/apply.js';
import { describeImpairment, type Impairment } from '../tc/impairment.js';
import { labDown, type DownResult } from './down.js';
import { scopeOf } from './hosts.js';
import { setLinkState } from './link-state.js';
import type { LabModel, NodeModel } from './model.js';
import { hostRoot, readRecord, removeLabDir, withLabLock, writeRecord, type LabRecord } from './record.js';
import { parseLabText } from './topology-file.js';
import { resolveLab, type ResolveOptions } from './topology.js';
import { applyLinkImpairments, labUp, netnsOfScope, type UpOptions } from './up.js';
import { planText } from './plan-text.js';
import { runLabIntent } from './intents.js';
import { markRolledBack, type PlanStep } from '../core/plan.js';
import { containerName, requireImages } from './container-nodes.js';
import { EngineContext } from '../engine/context.js';
import { diffModels, removeDropped } from './apply.js';

export interface LabOptions {
  root: string;
  backend?: LinkOpsBackend | undefined;
}

/** loadLabFile — the file read, parsed, validated and resolved; nothing else happens. */
export function loadLabFile(path: string, opts: ResolveOptions = {}): LabModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TsnetError('ENOTFOUND', `cannot read lab file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return resolveLab(parseLabText(text, path), opts);
}

/** requireRecord — the record of a lab that is up (or half up). */
export function requireRecord(root: string, name: string): LabRecord {
  const rec = readRecord(root, name);
  if (!rec) throw new TsnetError('ENOTFOUND', `no lab named ${name} is up (see tsnet lab ls)`);
  return rec;
}

export function sameModel(a: LabModel, b: LabModel): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function checkImpairments(model: LabModel, as: string | undefined, rec?: LabRecord): Promise<void> {
  const scope = scopeOf(model, as);
  await requireImpairments(scope.links.map((l) => ({ link: l.name, impair: rec && Object.prototype.hasOwnProperty.call(rec.netem, l.name) ? (rec.netem[l.name] ?? undefined) : l.impair })));
}

/** checkImages — container nodes' images must be in this machine's root (simulated hosts get copies). */
function checkImages(model: LabModel, as: string | undefined, root: string): void {
  const nodes = scopeOf(model, as).nodes.filter((n) => n.kind === 'container');
  if (nodes.length === 0) return;
  const ctx = new EngineContext({ root });
  try { requireImages(ctx, nodes); } finally { ctx.close(); }
}

export interface UpResult { created: boolean; record: LabRecord; /** The phase it was found in (a crash leaves 'creating'). */ priorPhase: string | undefined }

/**
 * up — a first up makes the lab and, failing or interrupted (Ctrl-C, SIGTERM), removes all it
 * made; a later up (the lab is up, or half up) checks and repairs it, and failing keeps the
 * record ("failed") for the next up or down.
 */
/**
 * UpPlan — `lab up --dry-run`: the real up's checks passed (the --as host, a lab up from
 * another file or --as, impairments this kernel lacks, missing images); what each host's
 * part would do, in order. exists: the lab is up already, so an up checks and repairs it.
 */
export interface UpPlan { dryRun: true; name: string; as: string | null; exists: boolean; steps: PlanStep[] }

export async function up(model: LabModel, file: string | undefined, as: string | undefined, opts: LabOptions & { dryRun?: false }): Promise<UpResult>;
export async function up(model: LabModel, file: string | undefined, as: string | undefined, opts: LabOptions & { dryRun: true }): Promise<UpPlan>;
export async function up(model: LabModel, file: string | undefined, as: string | undefined, opts: LabOptions & { dryRun?: boolean }): Promise<UpResult | UpPlan> {
  if (as !== undefined && !model.hosts.some((h) => h.name === as)) {
    throw invalid(`--as ${as}: the lab has no such host (hosts: ${model.hosts.map((h) => h.name).join(', ')})`);
  }
  return withLabLock(opts.root, model.name, async () => {
    const prior = readRecord(opts.root, model.name);
    if (prior && !sameModel(prior.model, model)) {
      throw new TsnetError('ECONFLICT', `lab ${model.name} is up from a different topology${prior.file ? ` (${prior.file})` : ''}; tsnet lab apply changes it, tsnet lab down ${model.name} removes it`);
    }
    if (prior && (prior.as ?? undefined) !== as) {
      throw new TsnetError('ECONFLICT', `lab ${model.name} is up ${prior.as ? `as host ${prior.as}` : 'with every host simulated'} here; give the same --as or take it down first`);
    }
    await checkImpairments(model, as, prior);
    checkImages(model, as, opts.root);
    if (opts.dryRun) return { dryRun: true as const, name: model.name, as: as ?? null, exists: prior !== undefined, steps: planSteps(planText(model, as)) };
    if (prior) {
      const done = await runLabIntent(opts, 'lab-repair', model.name, {}, (intent) => repairLab(prior, { ...opts, step: (s) => intent.step(s) }));
      return { created: false, record: done, priorPhase: prior.phase };
    }
    const now = new Date().toISOString();
    const rec: LabRecord = { model, file: file ? resolvePath(file) : undefined, phase: 'creating', as, linksDown: [], netem: {}, createdAt: now, updatedAt: now };
    const done = await runLabIntent(opts, 'lab-create', model.name, {}, (intent) => createLab(rec, { ...opts, step: (s) => intent.step(s) }));
    return { created: true, record: done, priorPhase: undefined };
  });
}

/**
 * planSteps — plan-text's lines as steps: a numbered line is a step of the host whose
 * heading precedes it ("host hostA"), an unnumbered line one of its own ("underlay wire").
 */
function planSteps(lines: string[]): PlanStep[] {
  let host = '';
  return lines.flatMap((line) => {
    const m = /^\s+\d+\. (.*)$/.exec(line);
    if (m) return [{ name: host, description: m[1]!.trim() }];
    if (line.endsWith(':')) { host = line.split(' ').slice(0, 2).join(' ').replace(/:$/, ''); return []; }
    return [{ name: line.split(':')[0]!, description: line.slice(line.indexOf(':') + 1).trim() }];
  });
}

/** createLab — record first (down can always find what was started), then the kernel; all undone on failure. */
async function createLab(rec: LabRecord, opts: UpOptions): Promise<LabRecord> {
  opts.step?.('record');
  writeRecord(opts.root, rec);
  try {
    await labUp(rec, opts);
  } catch (e) {
    const undo = await removeLab(rec, opts).catch((u: unknown) => ({ left: [String(u)] }));
    if (undo.left.length === 0) markRolledBack(e); // nothing left: no intent for gc either
    else writeRecord(opts.root, { ...rec, phase: 'failed' });
    throw e;
  }
  const done = { ...rec, phase: 'up' as const };
  writeRecord(opts.root, done);
  return done;
}

/** repairLab — an up of a lab that has a record: whatever is missing is made again. */
export async function repairLab(prior: LabRecord, opts: UpOptions): Promise<LabRecord> {
  return keepOnFailure(prior, opts, async () => {
    writeRecord(opts.root, { ...prior, phase: 'creating' });
    await labUp(prior, opts);
  });
}

/**
 * keepOnFailure — a change to a lab that is not rolled back: failing (or interrupted), the
 * record says "failed" and the error says what finishes or removes it.
 */
async function keepOnFailure(rec: LabRecord, opts: UpOptions, fn: () => Promise<void>): Promise<LabRecord> {
  try {
    await fn();
  } catch (e) {
    writeRecord(opts.root, { ...rec, phase: 'failed' });
    if (e instanceof TsnetError && e.code === 'EINTERRUPTED') {
      throw new TsnetError('EINTERRUPTED', `interrupted by ${String(e.detail?.['signal'])}; lab ${rec.model.name} is left part-done: tsnet lab up finishes it, tsnet lab down removes it`, e.detail);
    }
    throw e;
  }
  const done = { ...rec, phase: 'up' as const };
  writeRecord(opts.root, done);
  return done;
}

/** removeLab — everything the lab made, then its record; a namespace that would not go keeps the record. */
export async function removeLab(rec: LabRecord, opts: LabOptions): Promise<DownResult & { left: string[] }> {
  writeRecord(opts.root, { ...rec, phase: 'removing' });
  const result = await labDown(rec, opts);
  const left = result.warnings.filter((w) => w.startsWith('netns '));
  // A netns that would not go keeps the record, so a later down can try again.
  if (left.length) writeRecord(opts.root, { ...rec, phase: 'failed' });
  else removeLabDir(opts.root, rec.model.name);
  return { ...result, left };
}

/**
 * DownPlan — `lab down --dry-run`: what the down would remove, from the record (the same
 * record and the same namespace list labDown uses): container nodes, then the namespaces.
 */
export interface DownPlan { dryRun: true; name: string; exists: boolean; containers: string[]; netns: string[]; steps: PlanStep[] }

/** downPlan — the lab's record read under its lock, nothing changed. */
export async function downPlan(name: string, opts: LabOptions): Promise<DownPlan> {
  return withLabLock(opts.root, name, async () => {
    const rec = readRecord(opts.root, name);
    if (!rec) return { dryRun: true, name, exists: false, containers: [], netns: [], steps: [] };
    const scope = scopeOf(rec.model, rec.as);
    const containers = scope.nodes.filter((n) => n.kind === 'container').map((n) => n.name);
    const netns = netnsOfScope(rec.model, scope);
    const steps: PlanStep[] = [
      ...(containers.length ? [{ name: 'containers', description: `remove the container nodes ${containers.join(', ')} (processes, rootfs, cgroups)` }] : []),
      ...(rec.as !== undefined ? [{ name: 'host-part', description: `detach the nodes, delete the routes and bridges the lab added on this machine (${rec.as})` }] : []),
      { name: 'netns', description: `delete ${netns.length} namespaces: ${netns.join(', ')}` },
      { name: 'record', description: `forget lab ${name}` },
    ];
    return { dryRun: true, name, exists: true, containers, netns, steps };
  });
}

export async function down(name: string, opts: LabOptions): Promise<DownResult & { existed: boolean }> {
  return withLabLock(opts.root, name, async () => {
    const rec = readRecord(opts.root, name);
    if (!rec) return { existed: false, removedNetns: 0, warnings: [] };
    let result: DownResult | undefined;
    try {
      await runLabIntent(opts, 'lab-down', name, {}, async (intent) => {
        intent.step('remove');
        const r = await removeLab(rec, opts);
        result = r;
        // Left pending (given up), so that the next down or tsnet gc tries again.
        if (r.left.length) throw new TsnetError('EKERNEL', `lab ${name}: ${r.left.join('; ')}`);
      });
    } catch (e) {
      if (!result) throw e;
    }
    return { existed: true, removedNetns: result!.removedNetns, warnings: result!.warnings };
  });
}

export interface ApplyResult { removed: string[]; added: string[]; record: LabRecord }

/** ApplyPlan — `lab apply --dry-run`: the real apply's checks passed, and what it would remove and add. */
export interface ApplyPlan { dryRun: true; name: string; removed: string[]; added: string[]; steps: PlanStep[] }

/** apply — the running lab changed to match an edited file: dropped parts removed, new parts made, the rest untouched. */
export async function apply(model: LabModel, file: string | undefined, opts: LabOptions & { dryRun?: false }): Promise<ApplyResult>;
export async function apply(model: LabModel, file: string | undefined, opts: LabOptions & { dryRun: true }): Promise<ApplyPlan>;
export async function apply(model: LabModel, file: string | undefined, opts: LabOptions & { dryRun?: boolean }): Promise<ApplyResult | ApplyPlan> {
  return withLabLock(opts.root, model.name, async () => {
    const prior = readRecord(opts.root, model.name);
    if (!prior) throw new TsnetError('ENOTFOUND', `no lab named ${model.name} is up; tsnet lab up creates it`);
    await checkImpairments(model, prior.as, prior);
    checkImages(model, prior.as, opts.root);
    const diff = diffModels(prior.model, model);
    if (opts.dryRun) {
      const steps: PlanStep[] = diff.removed.length + diff.added.length === 0 ? [] : [
        { name: 'remove-dropped', description: diff.removed.length ? `remove ${diff.removed.join(', ')}` : 'nothing to remove' },
        { name: 'up', description: diff.added.length ? `make ${diff.added.join(', ')}; the rest stays as it is` : 'check that the rest is as the file says' },
      ];
      return { dryRun: true as const, name: model.name, removed: diff.removed, added: diff.added, steps };
    }
    const target = file ? resolvePath(file) : prior.file;
    const done = await runLabIntent(opts, 'lab-apply', model.name, { model, file: target }, (intent) => applyModel(prior, model, target, { ...opts, step: (s) => intent.step(s) }));
    return { removed: diff.removed, added: diff.added, record: done };
  });
}

/** applyModel — what apply does under the lock; run again (gc, a killed apply) it carries on from where it stopped. */
export async function applyModel(prior: LabRecord, model: LabModel, file: string | undefined, opts: UpOptions): Promise<LabRecord> {
  const diff = diffModels(prior.model, model);
  const links = new Set(model.links.map((l) => l.name));
  const rec: LabRecord = {
    ...prior, model, file, phase: 'creating',
    linksDown: prior.linksDown.filter((l) => links.has(l) && !diff.removed.includes(`link ${l}`)),
    netem: Object.fromEntries(Object.entries(prior.netem).filter(([l]) => links.has(l) && !diff.removed.includes(`link ${l}`))),
  };
  opts.step?.('remove-dropped');
  writeRecord(opts.root, { ...prior, phase: 'removing' });
  await removeDropped(prior, model, opts);
  return keepOnFailure(rec, opts, async () => {
    writeRecord(opts.root, rec);
    await labUp(rec, opts);
  });
}

function findLink(rec: LabRecord, link: string) {
  const l = scopeOf(rec.model, rec.as).links.find((x) => x.name === link);
  if (!l) throw new TsnetError('ENOTFOUND', `lab ${rec.model.name} has no link ${link} (links: ${scopeOf(rec.model, rec.as).links.map((x) => x.name).join(', ')})`);
  return l;
}

/** LinkPlan — `lab netem|link --dry-run`: the real command's checks passed; the link and what would change on it. */
export interface LinkPlan { dryRun: true; name: string; link: string; impairment: string | null; state: 'up' | 'down' | null; steps: PlanStep[] }

/** netem — a link's impairment changed at run time (null: back to none), kept in the record. */
export async function netem(name: string, link: string, impair: Impairment | null, opts: LabOptions & { dryRun?: false }): Promise<LabRecord>;
export async function netem(name: string, link: string, impair: Impairment | null, opts: LabOptions & { dryRun: true }): Promise<LinkPlan>;
export async function netem(name: string, link: string, impair: Impairment | null, opts: LabOptions & { dryRun?: boolean }): Promise<LabRecord | LinkPlan> {
  return withLabLock(opts.root, name, async () => {
    const rec = requireRecord(opts.root, name);
    findLink(rec, link);
    await requireImpairments([{ link, impair: impair ?? undefined }]);
    if (opts.dryRun) {
      const what = impair ? describeImpairment(impair) : null;
      return { dryRun: true as const, name, link, impairment: what, state: null, steps: [{ name: 'impair', description: what ? `set ${what} on both ends of link ${link}` : `remove the impairment of link ${link}` }] };
    }
    const next: LabRecord = { ...rec, netem: { ...rec.netem, [link]: impair } };
    await applyLinkImpairments(next, scopeOf(rec.model, rec.as), opts.root, link);
    writeRecord(opts.root, next);
    return next;
  });
}

/** link — `lab link L down|up`. */
export async function link(name: string, linkName: string, upWanted: boolean, opts: LabOptions & { dryRun?: false }): Promise<LabRecord>;
export async function link(name: string, linkName: string, upWanted: boolean, opts: LabOptions & { dryRun: true }): Promise<LinkPlan>;
export async function link(name: string, linkName: string, upWanted: boolean, opts: LabOptions & { dryRun?: boolean }): Promise<LabRecord | LinkPlan> {
  return withLabLock(opts.root, name, async () => {
    const rec = requireRecord(opts.root, name);
    const l = findLink(rec, linkName);
    if (opts.dryRun) {
      return { dryRun: true as const, name, link: linkName, impairment: null, state: upWanted ? 'up' as const : 'down' as const,
        steps: [{ name: 'link-state', description: `set ${l.ends.map((e) => `${e.owner}:${e.ifname}`).join(' and ')} ${upWanted ? 'up' : 'down'}` }] };
    }
    await setLinkState(rec, scopeOf(rec.model, rec.as), l, upWanted, opts.backend);
    const linksDown = upWanted ? rec.linksDown.filter((x) => x !== linkName) : [...new Set([...rec.linksDown, linkName])];
    const next = { ...rec, linksDown };
    writeRecord(opts.root, next);
    return next;
  });
}

/** containerPid — the running process of a container node, from its host's state. */
export function containerPid(root: string, rec: LabRecord, node: NodeModel): number {
  const ctx = new EngineContext({ root: rec.as === undefined ? hostRoot(root, rec.model.name, node.host) : root });
  try {
    const c = ctx.containers.byName(containerName(rec.model, node));
    if (!c || c.state !== 'running' || !c.pid) throw new TsnetError('ENOTFOUND', `node ${node.name}'s container is not running; tsnet lab up starts it`);
    return c.pid;
  } finally {
    ctx.close();
  }
}
