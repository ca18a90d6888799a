/**
 * resolve — how `tsnet gc`, or the next CNI call on the same attachment, settles what a
 * killed plugin left (engine/intent-resolvers.ts): an interrupted ADD is undone (the
 * attachment and its veth removed, a delegated IPAM address released); an interrupted DEL
 * is finished the same way. Both work from state and the names in the record.
 */
import type { Resolver } from '../engine/intent-resolvers.js';
import type { EngineContext } from '../engine/context.js';
import type { IntentRecord } from '../state/intents.js';
import { delegate } from './delegate.js';
import { cniRecords, removeCniRecord } from './records.js';
import { parseEnv } from './env.js';

async function removeAll(ctx: EngineContext, rec: IntentRecord): Promise<string> {
  const d = rec.data as { network?: string; containerId?: string; ifname?: string; ipam?: string; stdin?: string; env?: Record<string, string> };
  if (!d.network || !d.containerId || !d.ifname) return 'nothing recorded to remove';
  const errors: string[] = [];
  const found = cniRecords(ctx, d.network, { containerId: d.containerId, ifname: d.ifname });
  for (const r of found) errors.push(...(await removeCniRecord(ctx, r)));
  if (d.ipam && d.stdin && d.env) {
    const procEnv = { ...process.env, ...d.env, CNI_COMMAND: 'DEL' };
    await delegate(d.ipam, 'DEL', parseEnv(procEnv), procEnv, d.stdin, process.stderr);
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  return found.length > 0 ? `removed ${d.ifname} of ${d.containerId.slice(0, 12)}` : '';
}

export const addResolver: Resolver = { outcome: 'undone', settle: removeAll };
export const delResolver: Resolver = { outcome: 'finished', settle: removeAll };
