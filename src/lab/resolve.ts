/**
 * resolve — how `tsnet gc` settles a lab operation whose process died (lab/intents.ts): a
 * first up is undone (everything the lab made removed, from its record), a repairing up or
 * an apply is finished (run again: each is idempotent and carries on from where it stopped),
 * a down is finished. Each takes the lab's lock and looks at the record first, so a later
 * command that already finished the lab's business leaves nothing to do.
 */
import { TsnetError } from '../core/errors.js';
import type { EngineContext } from '../engine/context.js';
import type { Resolver } from '../engine/intent-resolvers.js';
import type { IntentRecord } from '../state/intents.js';
import { applyModel, removeLab, repairLab, sameModel } from './lab.js';
import type { LabModel } from './model.js';
import { readRecord, withLabLock, type LabRecord } from './record.js';

function labOf(rec: IntentRecord): string {
  const name = rec.data['lab'];
  if (typeof name !== 'string') throw new TsnetError('ESTATE', `intent ${rec.id} (${rec.op}) names no lab`);
  return name;
}

/** withRecord — under the lab's lock, fn on its record; a lab with no record has nothing left to settle. */
function withRecord(ctx: EngineContext, rec: IntentRecord, fn: (lab: LabRecord) => Promise<string>): Promise<string> {
  const name = labOf(rec);
  return withLabLock(ctx.root, name, async () => {
    const lab = readRecord(ctx.root, name);
    return lab ? fn(lab) : `lab ${name} has no record: nothing left`;
  });
}

async function remove(ctx: EngineContext, lab: LabRecord): Promise<string> {
  const r = await removeLab(lab, { root: ctx.root, backend: ctx.backend });
  if (r.left.length) throw new TsnetError('EKERNEL', r.left.join('; '));
  return `removed it (${r.removedNetns} namespaces)`;
}

export const createResolver: Resolver = {
  outcome: 'undone',
  settle: (ctx, rec) => withRecord(ctx, rec, (lab) => (lab.phase === 'up' ? Promise.resolve('a later tsnet lab up finished it; left up') : remove(ctx, lab))),
};

export const repairResolver: Resolver = {
  outcome: 'finished',
  settle: (ctx, rec) => withRecord(ctx, rec, async (lab) => {
    if (lab.phase === 'up') return 'already up';
    await repairLab(lab, { root: ctx.root, backend: ctx.backend });
    return 'it is up';
  }),
};

export const applyResolver: Resolver = {
  outcome: 'finished',
  settle: (ctx, rec) => withRecord(ctx, rec, async (lab) => {
    const model = rec.data['model'] as LabModel;
    if (lab.phase === 'up' && sameModel(lab.model, model)) return 'already applied';
    await applyModel(lab, model, rec.data['file'] as string | undefined, { root: ctx.root, backend: ctx.backend });
    return 'it is up as edited';
  }),
};

export const downResolver: Resolver = {
  outcome: 'finished',
  settle: (ctx, rec) => withRecord(ctx, rec, (lab) => remove(ctx, lab)),
};
