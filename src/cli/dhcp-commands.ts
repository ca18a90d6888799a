/**
 * dhcp-commands — `tsnet dhcp status` (the lease keeper, its leases, the DHCP servers, its
 * log) and `tsnet dhcp-keeper`, the hidden entry point of the lease keeper process: tsnet
 * starts it (detached) whenever leases exist and none runs, and the systemd unit in
 * contrib/tsnet-dhcp-keeper@.service starts it at boot; `tsnet dhcp unit` prints that unit.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { load } from './load.js';
import { withGlobals } from './globals.js';
import { printResult, table, type GlobalOpts } from './output.js';
import { withContext } from './with-context.js';
import type { DhcpStatus, KeptLeaseView } from '../dhcp/status.js';
import type { DhcpLeaseJson, DhcpStatusJson, DhcpUnitJson } from './json-schema.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { TsnetError, invalid } from '../core/errors.js';

export function registerDhcpCommands(program: Command): void {
  const dhcp = withGlobals(program.command('dhcp')).description('the DHCP lease keeper: its leases, servers and log');
  withGlobals(dhcp.command('status'))
    .description('is the lease keeper running; the leases it keeps, the DHCP servers tsnet runs, the end of its log')
    .option('-n, --lines <n>', 'lines of the keeper log to show (0: none)', '10')
    .addHelpText('after', '\nExamples:\n  tsnet dhcp status\n  tsnet dhcp status -n 50\n  tsnet dhcp status --json')
    .action(async (_o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { lines: string }>();
      if (!/^\d+$/.test(opts.lines) || Number(opts.lines) > 100_000) throw invalid(`-n "${opts.lines}" must be a number of lines from 0 to 100000`);
      const { dhcpStatus } = load.dhcpStatus();
      const st = await withContext(opts, (ctx) => dhcpStatus(ctx, { lines: Number(opts.lines) }));
      printResult(opts, st satisfies DhcpStatusJson, statusLines(st));
    });

  withGlobals(dhcp.command('unit'))
    .description("print the lease keeper's systemd unit for this installation (ExecStart filled in) and say how to enable it for --root")
    .addHelpText('after', '\nExamples:\n  tsnet dhcp unit > /etc/systemd/system/tsnet-dhcp-keeper@.service\n  systemctl daemon-reload\n  systemctl enable --now tsnet-dhcp-keeper@var-lib-tsnet.service')
    .action((_o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const { unitFor, instanceUnit, UNIT_TEMPLATE } = load.unitFile();
      const cli = load.supervise().tsnetBin();
      const templatePath = join(dirname(cli), '..', 'contrib', UNIT_TEMPLATE);
      let template: string;
      try { template = readFileSync(templatePath, 'utf8'); } catch (e) { throw new TsnetError('ENOTFOUND', `the unit template ${templatePath} is missing from this installation (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`); }
      const root = resolve(opts.root ?? process.env['TSNET_ROOT'] ?? '/var/lib/tsnet');
      const r: DhcpUnitJson = { file: `/etc/systemd/system/${UNIT_TEMPLATE}`, instance: instanceUnit(root), root, unit: unitFor(template, process.execPath, cli) };
      if (!opts.json) process.stderr.write(`# install: tsnet dhcp unit > ${r.file} && systemctl daemon-reload && systemctl enable --now '${r.instance}'\n`);
      printResult(opts, r, r.unit.replace(/\n$/, ''));
    });

  withListingOptions(withGlobals(dhcp.command('leases')), { quiet: 'only the leased addresses' })
    .description('list the leases the keeper keeps (the LEASES part of dhcp status, with -q and --format)')
    .addHelpText('after', "\nExamples:\n  tsnet dhcp leases\n  tsnet dhcp leases --format '{{.Guest}} {{.Address}} {{.ExpiresAt}}'")
    .action(async (_o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      const { keptLeases, KEPT_LEASE_FIELDS } = load.dhcpStatus();
      checkListing(opts, KEPT_LEASE_FIELDS);
      const leases = await withContext(opts, (ctx) => keptLeases(ctx));
      printListing(opts, leases satisfies DhcpLeaseJson[], () => leaseRows(leases), { quiet: 'address', fields: KEPT_LEASE_FIELDS });
    });

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
        // and leases would be bound in the wrong kernel, and it would never heal. A record of
        // an earlier boot names nothing: the keeper started now (at boot: contrib/systemd) is home.
        const { recordedHome, recordHome } = load.keeperNetns();
        const here = load.guest().currentNetnsId();
        const home = recordedHome(ctx.meta, undefined);
        if (home !== undefined && home !== here) {
          throw new TsnetError('EINVAL', `the lease keeper of ${ctx.root} runs in network namespace ${home}, not in this one (${here})`);
        }
        if (home === undefined && ctx.meta.get(load.keeperNetns().HOST_NETNS_KEY) !== undefined) recordHome(ctx.meta, here, undefined);
        await new LeaseKeeper(ctx).run();
      } finally {
        ctx.close();
      }
    });
}

/** statusLines — the human view: keeper line, leases table, servers table, log tail. */
function statusLines(st: DhcpStatus): string[] {
  const k = st.keeper;
  const out = [k.running ? `keeper: running, pid ${k.pid}, since ${k.since}, netns ${k.netns}` : `keeper: not running${k.netns ? ` (belongs in netns ${k.netns})` : ''}`, `log: ${k.log}`, ''];
  out.push(...leaseRows(st.leases));
  if (st.servers.length > 0) {
    out.push('', ...table(['NETWORK', 'BRIDGE', 'RANGE', 'LEASE', 'LEASES GIVEN'],
      st.servers.map((s) => [s.network, s.bridge, `${s.rangeStart}-${s.rangeEnd}`, `${s.leaseSeconds}s`, String(s.leasesGiven)])));
  }
  if (st.log.length > 0) out.push('', `last ${st.log.length} lines of the keeper log:`, ...st.log);
  return out;
}

function leaseRows(leases: KeptLeaseView[]): string[] {
  return table(['GUEST', 'INTERFACE', 'ADDRESS', 'SERVER', 'OBTAINED', 'RENEWS', 'EXPIRES', 'PHASE'],
    leases.map((l) => [l.guest, l.interface, l.address ?? '-', l.server ?? '-', l.obtainedAt ?? '-', l.renewsAt ?? '-', l.expiresAt ?? '-', l.phase]));
}
