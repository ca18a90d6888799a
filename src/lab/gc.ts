/**
 * gc — the labs' part of `tsnet gc`: lab operations whose process died (kill -9, a second
 * Ctrl-C, a crash) and that no later lab command took over are settled through
 * lab/resolve.ts — a half-made lab removed, a repair, apply or down carried through.
 * Operations of live processes are left alone.
 */
import type { EngineContext } from '../engine/context.js';
import { registerResolver } from '../engine/intent-resolvers.js';
import { settlePending } from '../engine/settle.js';
import { applyResolver, createResolver, downResolver, repairResolver } from './resolve.js';

// The engine sits below the lab and cannot name its resolvers; the lab registers them.
registerResolver('lab-create', createResolver);
registerResolver('lab-repair', repairResolver);
registerResolver('lab-apply', applyResolver);
registerResolver('lab-down', downResolver);

export interface LabGcReport { actions: string[]; errors: string[] }

export async function gcLabs(ctx: EngineContext, opts: { dryRun?: boolean | undefined } = {}): Promise<LabGcReport> {
  const report: LabGcReport = { actions: [], errors: [] };
  const objects = [...new Set(ctx.intents.withPrefix('lab:').map((r) => r.object))];
  for (const object of objects) {
    for (const r of await settlePending(ctx, { object, dryRun: opts.dryRun })) {
      if (r.outcome === 'failed') report.errors.push(r.message);
      else if (r.outcome !== 'in progress') report.actions.push(r.message);
    }
  }
  return report;
}
