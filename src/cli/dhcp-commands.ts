/**
 * dhcp-commands — `tsnet dhcp-keeper`, the hidden entry point of the lease keeper process.
 * Users never run it: tsnet starts it (detached) whenever leases exist and none runs.
 */
import type { Command } from 'commander';
import { load } from './load.js';
import { withGlobals } from './globals.js';
import type { GlobalOpts } from './output.js';
import { TsnetError } from '../core/errors.js';

export function registerDhcpCommands(program: Command): void {
  withGlobals(program.command('dhcp-keeper', { hidden: true }))
    .description('the DHCP lease keeper (started by tsnet itself)')
    .action(async (_opts: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      // Not withContext: that would check for (and start) a keeper on the way out.
      const { EngineContext } = load.context();
      const { LeaseKeeper } = load.keeper();
      const ctx = new EngineContext({ root: opts.root, backend: opts.backend });
      try {
        // Only in the root's host namespace (dhcp/keeper-netns.ts): anywhere else its servers
        // and leases would be bound in the wrong kernel, and it would never heal.
        const home = ctx.meta.get(load.keeperNetns().HOST_NETNS_KEY);
        if (home !== undefined && home !== load.guest().currentNetnsId()) {
          throw new TsnetError('EINVAL', `the lease keeper of ${ctx.root} runs in network namespace ${home}, not in this one (${load.guest().currentNetnsId()})`);
        }
        await new LeaseKeeper(ctx).run();
      } finally {
        ctx.close();
      }
    });
}
