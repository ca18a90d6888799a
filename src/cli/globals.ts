/**
 * globals — the options every command accepts, wherever they appear on the line
 * (positional options are on, so each subcommand declares them itself).
 */
import { Option, type Command } from 'commander';
import { setDebug } from '../core/log.js';
import type { GlobalOpts } from './output.js';

/** withGlobals — the options every command accepts, wherever they appear on the line. */
export function withGlobals(cmd: Command): Command {
  return cmd
    .option('--root <dir>', 'state root (default $TSNET_ROOT or /var/lib/tsnet)')
    .option('--json', 'machine-readable output')
    .option('--debug', 'log every kernel operation to stderr')
    .addOption(new Option('--backend <name>', 'link backend').choices(['netlink', 'iproute2']).env('TSNET_LINKOPS').hideHelp())
    .addOption(new Option('--firewall-backend <name>', 'firewall for networks and ports, chosen once per state root (default: iptables if it works, else nftables)')
      .choices(['iptables', 'nftables', 'none']).env('TSNET_FIREWALL_BACKEND'))
    .hook('preAction', (_this, action) => {
      if ((action.opts() as GlobalOpts).debug) setDebug(true);
    });
}

