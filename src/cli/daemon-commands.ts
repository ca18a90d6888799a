/**
 * daemon-commands — `tsnet daemon` (serve this state root until SIGTERM) and `tsnet daemon
 * status`. The native client never forwards these: they always run in a process of their own.
 */
import type { Command } from 'commander';
import { realpathSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import { load } from './load.js';
import { printResult, type GlobalOpts } from './output.js';
import { daemonStatusJson } from './json-shapes.js';

interface DaemonOpts extends GlobalOpts {
  socket?: string;
  log?: string;
}

export function registerDaemonCommands(program: Command): void {
  // withGlobals on the group too: `tsnet daemon --root R status` (globals anywhere on the line).
  const daemon = withGlobals(program.command('daemon'))
    .description('serve this state root from one long-lived process: every tsnet command gets faster');
  withGlobals(daemon.command('run', { isDefault: true }))
    .description('run the daemon in the foreground until SIGTERM (the default)')
    .option('--socket <path>', 'unix socket to listen on (default /run/tsnet/<root-tag>.sock)')
    .option('--log <file>', 'log file (default <root>/daemon.log; SIGHUP reopens it)')
    .addHelpText('after', '\nExamples:\n  tsnet daemon &\n  systemctl enable --now tsnet.socket   # contrib/tsnet.{socket,service}')
    .action(async (_opts: DaemonOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DaemonOpts>();
      const { Daemon } = load.daemon();
      const d = new Daemon({ root: opts.root, socket: opts.socket, log: opts.log, backend: opts.backend });
      try {
        await d.start();
      } catch (e) {
        await d.stop('failed to start');
        throw e;
      }
      process.stderr.write(`tsnet: daemon ${process.pid} serving ${d.root} on ${d.socketPath}\n`);
      await d.done;
    });
  withListingOptions(withGlobals(daemon.command('status')))
    .description("whether a daemon serves this state root, and how it is doing")
    .option('--socket <path>', 'the daemon\'s socket (default /run/tsnet/<root-tag>.sock)')
    .action(async (_opts: DaemonOpts & ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DaemonOpts & ListingOpts>();
      const mode = checkListing(opts, LISTING_FIELDS.daemonStatus);
      const { paths, client } = load.daemonClient();
      let root: string;
      try { root = realpathSync(load.db().resolveRoot(opts.root)); } catch { root = load.db().resolveRoot(opts.root); }
      const socket = opts.socket ?? paths.socketPathFor(root);
      const reply = await client.callDaemon(socket, client.helloFor([], { prog: 'status' })).catch(() => undefined);
      if (!reply || reply.status !== 0) {
        throw new TsnetError('ENOTFOUND', `no tsnet daemon serves ${root} (no answer on ${socket}${reply?.fallback ? `: ${reply.fallback}` : ''}); start one with tsnet daemon`);
      }
      const s = JSON.parse(reply.stdout.toString()) as import('../daemon/server.js').DaemonStatus;
      const json = daemonStatusJson(s);
      // One object, not a list: --format renders it once (as docker info --format does); --json stays an object.
      if (mode.kind !== 'default') { printListing(opts, [json], [], { quiet: 'pid', fields: LISTING_FIELDS.daemonStatus }); return; }
      printResult(opts, json, [
        `daemon ${s.pid} serves ${s.root} on ${s.socket}`,
        `up ${s.uptimeSeconds} s, ${s.served} requests served, ${s.running} running`,
        `memory ${(s.rssBytes / 1048576).toFixed(1)} MiB RSS, ${s.openFds} open files, ${s.heldPorts} published ports held, lease keeper ${s.keeper ? 'in the daemon' : 'not held'}`,
        ...(s.stale ? [`warning: ${s.stale}`] : []),
      ]);
    });
}
