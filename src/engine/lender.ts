/**
 * lender — a long-lived process (the daemon) lends its warm EngineContext to the commands it
 * serves when they ask for its state root with its options; elsewhere nothing is lent and
 * each command opens its own. Apart from cli/with-context.ts so that entry points with a
 * small import graph (the CNI plugin) can ask too.
 */
import type { EngineContext } from './context.js';

export interface LendOptions {
  root?: string | undefined;
  backend?: 'netlink' | 'iproute2' | undefined;
  firewallBackend?: 'iptables' | 'nftables' | 'none' | undefined;
}

/** ContextLender — the warm context for these options, or undefined: make a new one. */
export type ContextLender = (opts: LendOptions) => EngineContext | undefined;
let lender: ContextLender | undefined;

export function lendContexts(l: ContextLender): void {
  lender = l;
}

/** lentContext — the lender's context for these options, if a lender is installed and has one. */
export function lentContext(opts: LendOptions): EngineContext | undefined {
  return lender?.(opts);
}

/** lending — whether this process lends contexts (it is the daemon). */
export function lending(): boolean {
  return lender !== undefined;
}
