/**
 * intent-resolvers — for each operation that writes intent records (engine/intent.ts), how
 * a record its process left behind is settled: `undone` (a creation is taken back to
 * nothing) or `finished` (a removal is carried through). Every resolver is idempotent and
 * works from what state and the kernel hold now, whatever step the record stopped at, so a
 * resolver interrupted in turn is simply run again. Modules load on first use.
 *
 * To add an operation: write its resolver next to the operation, add a line here.
 */
import { TsnetError } from '../core/errors.js';
import type { IntentRecord } from '../state/intents.js';
import type { EngineContext } from './context.js';

export interface Resolver {
  outcome: 'finished' | 'undone';
  /** settle — finishes or undoes it; returns a short detail for the report (or ''). */
  settle(ctx: EngineContext, rec: IntentRecord): Promise<string>;
}

/* tsnet-lint-disable no-require -- only the resolver of a pending record's kind loads (each pulls in its engine) */
const RESOLVERS: Record<string, () => Resolver> = {
  'attach': () => require('../attach/resolve.js').attachResolver,
  'detach': () => require('../attach/resolve.js').detachResolver,
  'network-create': () => require('../network/resolve.js').networkCreateResolver,
  'network-rm': () => require('../network/resolve.js').networkRemoveResolver,
  'port-publish': () => require('../network/resolve.js').portPublishResolver,
  'port-unpublish': () => require('../network/resolve.js').portUnpublishResolver,
  'container-create': () => require('../runtime/resolve.js').createResolver,
  'container-start': () => require('../runtime/resolve.js').startResolver,
  'container-stop': () => require('../runtime/resolve.js').stopResolver,
  'container-rm': () => require('../runtime/resolve.js').removeResolver,
  'container-connect': () => require('../runtime/resolve.js').connectResolver,
  'cni-add': () => require('../network/cni-records.js').cniAddResolver,
  'cni-del': () => require('../network/cni-records.js').cniDelResolver,
};
/* tsnet-lint-enable no-require */

/** registerResolver — for operations defined outside this table (and for tests). */
export function registerResolver(op: string, resolver: Resolver): void {
  RESOLVERS[op] = () => resolver;
}

export function resolverFor(op: string): Resolver {
  const load = RESOLVERS[op];
  if (!load) throw new TsnetError('ESTATE', `no resolver for operation "${op}" (a record from another tsnet version?); remove it once the object is cleaned up by hand`);
  return load();
}
