/**
 * state-commands — `ls`, `inspect`, `gc`: what tsnet has attached, and repairing it.
 */
import type { Command } from 'commander';
import { load } from './load.js';
import { withContext } from './with-context.js';
import { TsnetError } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { containerInspect } from './container-info-commands.js';
import { printResult, setExitStatus, table, type GlobalOpts } from './output.js';
import { attachmentJson, gcReportJson } from './json-shapes.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import type { LiveView } from '../attach/live-state.js';
import type { EngineContext } from '../engine/context.js';
import type { AttachmentRecord } from '../state/attachments.js';

/** rows — the table users read: network names where there is one, both gateways, the real MAC, a STATE from the kernel. */
function rows(views: LiveView[]): string[] {
  return table(
    ['GUEST', 'IFACE', 'NETWORK', 'KIND', 'HOST-IF', 'ADDRESSES', 'GATEWAY', 'MAC', 'VLAN', 'DHCP', 'STATE'],
    views.map((v) => [v.guest, v.interface, v.network ?? v.attachedTo, v.kind, v.hostInterface, v.addresses.join(',') || '-',
      [v.gateway ?? v.dhcp?.server, v.gateway6].filter(Boolean).join(',') || '-', v.mac ?? '-', v.vlan === null ? '-' : String(v.vlan),
      v.dhcp ? `${v.dhcp.phase}${v.dhcp.expiresAt ? ` until ${v.dhcp.expiresAt.slice(11, 19)}Z` : ''}` : '-', v.state]),
  );
}

/** live — each record with its view and a look at the kernel (attach/live-state.ts). */
function live(ctx: EngineContext, records: AttachmentRecord[]): Promise<LiveView[]> {
  return load.liveState().liveViews(ctx, records);
}

export function registerStateCommands(program: Command): void {
  withListingOptions(withGlobals(program.command('ls')), { quiet: 'only guest names (each once)' })
    .description('list every attachment tsnet made')
    .addHelpText('after', "\nExamples:\n  tsnet ls\n  tsnet ls --json\n  tsnet ls -q\n  tsnet ls --format 'table {{.Guest}}\\t{{.Network}}\\t{{.State}}'")
    .action(async (_opts: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      checkListing(opts, LISTING_FIELDS.attachment);
      const views = await withContext(opts, (ctx) => live(ctx, ctx.attachments.all()));
      printListing(opts, views.map(attachmentJson), () => rows(views), { quiet: 'guest', fields: LISTING_FIELDS.attachment });
    });

  withListingOptions(withGlobals(program.command('inspect')), { inspect: true })
    .description("show containers (Docker's inspect, as JSON), or a guest's attachments")
    .argument('<guest...>', 'container name or id, or a netns name, PID, pid:N or netns path')
    .addHelpText('after', "\nExamples:\n  tsnet inspect web\n  tsnet inspect netns:blue --json\n  tsnet inspect -f '{{.State.Pid}}' web")
    .action(async (names: string[], _opts: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      const mode = checkListing(opts);
      const { parseGuest } = load.grammar();
      const { describeGuest } = load.guestRef();
      const { tryResolveGuest } = load.guest();
      const containers = await withContext(opts, (ctx) => (names[0]!.startsWith('netns:') ? undefined : containerInspect(ctx, names)));
      if (containers && mode.kind !== 'default') { printListing(opts, containers as object[], [], { fields: LISTING_FIELDS.container }); return; }
      if (containers) { process.stdout.write(`${JSON.stringify(containers, null, 2)}\n`); return; }
      if (names.length > 1) throw new TsnetError('ENOTFOUND', `no such container among ${names.join(', ')}`);
      const ref = parseGuest(names[0]!);
      const views = await withContext(opts, (ctx) => {
        const guest = tryResolveGuest(ref, ctx.containerLookup);
        try {
          return live(ctx, ctx.attachments.forGuest(guest?.netnsId, guest?.name ?? describeGuest(ref)));
        } finally { guest?.close(); }
      });
      if (views.length === 0) throw new TsnetError('ENOTFOUND', `tsnet has attached nothing to ${describeGuest(ref)}`);
      printListing(opts, views.map(attachmentJson), () => rows(views), { fields: LISTING_FIELDS.attachment });
    });

  withGlobals(program.command('gc'))
    .description('reconcile state and kernel: remove what crashed guests left behind')
    .option('--dry-run', 'report what would be removed, change nothing')
    .addHelpText('after', '\nExample:\n  tsnet gc --json')
    .action(async (_opts: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { dryRun?: boolean }>();
      const { gc } = load.gc();
      // Lab records are settled by gc's one pass over every pending record: it needs their
      // resolvers. Containers first: reconciling them frees their attachments before the
      // network gc looks.
      load.labGc().registerLabResolvers();
      const [containers, report] = await withContext(opts, async (ctx) => [
        await load.containerGc().gcContainers(ctx, { dryRun: opts.dryRun }),
        await gc(ctx, { dryRun: opts.dryRun }),
      ] as const);
      const verb = opts.dryRun ? 'would remove' : 'removed';
      const lines = [
        ...containers.actions,
        ...report.settled,
        ...report.removedRecords.map((r) => `${verb} record ${r}`),
        ...report.removedLinks.map((l) => `${verb} orphan interface ${l}`),
        ...report.removedBridges.map((b) => `${verb} unused bridge ${b}`),
        ...report.repairedNetworks.map((r) => `${opts.dryRun ? 'would repair' : 'repaired'} ${r}`),
        ...report.restoredFirewalls.map((n) => `${opts.dryRun ? 'would restore' : 'restored'} the firewall rules of network ${n}`),
        ...report.reconciledPorts.map((c) => `${opts.dryRun ? 'would fix' : 'fixed'} published ports: ${c}`),
        ...[...containers.errors, ...report.errors].map((e) => `error: ${e}`),
      ];
      printResult(opts, gcReportJson(opts.dryRun ?? false, containers, report), lines.length ? lines : 'nothing to clean up');
      if (report.errors.length + containers.errors.length > 0) setExitStatus(6);
    });
}
