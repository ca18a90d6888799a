/**
 * globals — the options every command accepts, wherever they appear on the line
 * (positional options are on, so each subcommand declares them itself). They are listed
 * once, in `tsnet --help`; every other command's help ends with one line naming them.
 */
import { Option, type Command } from 'commander';
import { setDebug } from '../core/log.js';
import type { GlobalOpts } from './output.js';

/** GLOBALS_LINE — what each command's help says about the global options (and exit codes). */
export const GLOBALS_LINE = `
Global options: --root DIR, --json, --debug, --firewall-backend NAME,
  anywhere on the line (see tsnet --help); exit status: tsnet help exit-codes`;

/** withGlobals — the options every command accepts, wherever they appear on the line. */
export function withGlobals(cmd: Command): Command {
  const sub = cmd.parent !== null;
  const opt = (o: Option): Option => (sub ? o.hideHelp() : o);
  return cmd
    .addOption(opt(new Option('--root <dir>', 'state root (default $TSNET_ROOT or /var/lib/tsnet)')))
    .addOption(opt(new Option('--json', 'machine-readable output; errors as {"error","code"}')))
    .addOption(opt(new Option('--debug', 'log every kernel operation to stderr')))
    .addOption(new Option('--backend <name>', 'link backend').choices(['netlink', 'iproute2']).env('TSNET_LINKOPS').hideHelp())
    .addOption(opt(new Option('--firewall-backend <name>', 'firewall for networks and ports, chosen once per state root (default: iptables if it works, else nftables)')
      .choices(['iptables', 'nftables', 'none']).env('TSNET_FIREWALL_BACKEND')))
    .hook('preAction', (_this, action) => {
      // optsWithGlobals: `tsnet --debug detach web` sets it on the program, not on detach.
      if ((action.optsWithGlobals() as GlobalOpts).debug) setDebug(true);
    });
}
