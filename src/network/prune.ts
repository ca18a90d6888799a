/**
 * prune — `tsnet network prune`: removes every network nothing uses, as `docker network
 * prune` does. "Uses" is removeNetwork's own check (network-remove.ts networkUsers) — attachments on
 * the bridge, attaches in progress — plus containers whose network list names the network,
 * stopped ones too (they would not start again without it). The whole pass holds the host
 * lock, so a `network connect` either lands before the check (the network stays) or finds the
 * network gone (ENOTFOUND) — never an interface on a removed bridge.
 *
 * The default network tsnet0 is never pruned, as docker never prunes bridge/host/none: it is
 * the network `tsnet run` uses when none is given, made by `tsnet init` with options
 * (--bip, --fixed-cidr, --mtu) that a prune would silently lose; `tsnet network rm tsnet0`
 * removes it on purpose.
 */
import { toTsnetError } from '../core/errors.js';
import type { EngineContext } from '../engine/context.js';
import { DEFAULT_NETWORK } from './network-name.js';
import { removeNetwork } from './network-remove.js';
import type { PruneFilters } from './prune-filter.js';

/** PruneResult — JSON kind "network prune": the names removed (would be, in a dry run) and those kept, with why. */
export interface PruneResult {
  dryRun: boolean;
  networksDeleted: string[];
  kept: Array<{ name: string; reason: string }>;
  /** Networks whose removal failed (the pass goes on past them; the command exits non-zero). */
  errors: Array<{ name: string; error: string; code: string }>;
  /** A dry run's steps (one per network it would remove); [] for a real run. */
  steps: Array<{ name: string; description: string }>;
}

export async function pruneNetworks(ctx: EngineContext, filters: PruneFilters, opts: { dryRun?: boolean | undefined } = {}): Promise<PruneResult> {
  const dryRun = opts.dryRun ?? false;
  return ctx.hostLock.withLock('prune networks', async () => {
    const result: PruneResult = { dryRun, networksDeleted: [], kept: [], errors: [], steps: [] };
    for (const n of ctx.networks.all().sort((a, b) => a.name.localeCompare(b.name))) {
      if (n.name === DEFAULT_NETWORK) { result.kept.push({ name: n.name, reason: 'the default network (remove it with tsnet network rm tsnet0)' }); continue; }
      if (filters.until && Date.parse(n.createdAt) >= filters.until.getTime()) { result.kept.push({ name: n.name, reason: `created ${n.createdAt}, not before ${filters.until.toISOString()}` }); continue; }
      try {
        // Re-entrant: the same lock, the same checks as network rm (and its --dry-run).
        await removeNetwork(ctx, n.name, { dryRun, unusedByContainers: true });
        result.networksDeleted.push(n.name);
        if (dryRun) result.steps.push({ name: 'remove-network', description: `remove network ${n.name} (bridge ${n.bridge}, subnet ${n.subnet})` });
      } catch (e) {
        const err = toTsnetError(e);
        if (err.code === 'ECONFLICT' || err.code === 'ENOTFOUND') result.kept.push({ name: n.name, reason: err.message });
        else result.errors.push({ name: n.name, error: err.message, code: err.code });
      }
    }
    return result;
  });
}
