/**
 * with-context — one EngineContext per command: opened from the global options, handed to
 * the command, closed afterwards whatever happens; or the daemon's warm one, lent.
 */
import { realpathSync } from 'node:fs';
import type { EngineContext } from '../engine/context.js';
import { load } from './load.js';
import { installInterruptHandlers } from '../core/interrupt.js';
import type { GlobalOpts } from './output.js';
import { lending, lentContext } from '../engine/lender.js';

export { lendContexts, type ContextLender } from '../engine/lender.js';

export async function withContext<T>(opts: GlobalOpts, fn: (ctx: EngineContext) => Promise<T> | T): Promise<T> {
  const lent = lentContext(opts);
  if (lent) {
    const result = await fn(lent);
    superviseKeeper(lent);
    return result;
  }
  const { EngineContext } = load.context();
  const ctx: EngineContext = new EngineContext({ root: opts.root, backend: opts.backend, firewallBackend: opts.firewallBackend, portHolder: (): number | undefined => daemonOf(ctx.root) });
  // Ctrl-C, SIGTERM, SIGHUP: an operation under way rolls back first (core/interrupt.ts).
  // Not in the daemon: the signals there are the daemon's, a command's come from its client.
  const uninstall = lending() ? () => undefined : installInterruptHandlers();
  try {
    // A --firewall-backend that differs from the state root's is refused by every command.
    if (opts.firewallBackend !== undefined) await ctx.firewall();
    const result = await fn(ctx);
    superviseKeeper(ctx);
    return result;
  } finally {
    ctx.close();
    uninstall();
  }
}

/** daemonOf — the pid of the daemon serving this root (it holds the published ports), if one runs. */
function daemonOf(root: string): number | undefined {
  const { paths, pidfile } = load.daemonClient();
  try {
    return pidfile.holderOf(paths.pidfileFor(paths.socketPathFor(realpathSync(root))));
  } catch {
    return undefined;
  }
}

/**
 * superviseKeeper — "restarted by the next tsnet command": a command that used state makes
 * sure the DHCP lease keeper runs while leases exist. Never fails the command itself.
 */
function superviseKeeper(ctx: EngineContext): void {
  if (!ctx.dbOpened) return;
  try {
    load.supervise().ensureKeeper(ctx, false);
  } catch (e) {
    process.stderr.write(`tsnet: warning: cannot start the DHCP lease keeper: ${(e as Error).message}\n`);
  }
}
