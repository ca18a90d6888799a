/**
 * gc — the labs' part of `tsnet gc`: lab operations whose process died (kill -9, a second
 * Ctrl-C, a crash) and that no later lab command took over are settled through
 * lab/resolve.ts — a half-made lab removed, a repair, apply or down carried through — by the
 * one pass over every pending record that `tsnet gc` makes (ctx.settleAll in network/gc.ts).
 * The engine sits below the lab and cannot name its resolvers: `tsnet gc` registers them here
 * first. (A pass of its own settled a lab's records twice: in a dry run its lines came out
 * twice, and a lab whose undo failed was tried again at once.)
 */
import { registerResolver } from '../engine/intent-resolvers.js';
import { applyResolver, createResolver, downResolver, repairResolver } from './resolve.js';

export function registerLabResolvers(): void {
  registerResolver('lab-create', createResolver);
  registerResolver('lab-repair', repairResolver);
  registerResolver('lab-apply', applyResolver);
  registerResolver('lab-down', downResolver);
}
