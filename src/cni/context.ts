/**
 * context — the EngineContext a CNI call runs against: the daemon's warm one when it serves
 * this state root (engine/lender.ts), else one of its own, closed afterwards, with the
 * interrupt handlers that roll an operation back on SIGTERM (a runtime's timeout).
 */
import { EngineContext } from '../engine/context.js';
import { lending, lentContext } from '../engine/lender.js';
import { installInterruptHandlers } from '../core/interrupt.js';

export async function withCniContext<T>(root: string | undefined, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
  const lent = lentContext({ root });
  if (lent) return fn(lent);
  const ctx = new EngineContext({ root });
  const uninstall = lending() ? () => undefined : installInterruptHandlers();
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
    uninstall();
  }
}
