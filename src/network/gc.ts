/**
 * gc — `tsnet gc`: reconciles state and kernel after crashes, reboots or a firewall reload.
 * Attachments first (attach/gc.ts: stale records, orphaned host interfaces), then networks
 * get back their bridge, gateway addresses and firewall rules, then bridges nothing uses
 * any more are removed. Reports every action.
 */
import type { EngineContext } from '../engine/context.js';
import { gcAttachments, gcBridges, type AttachmentGcReport } from '../attach/gc.js';
import { networkFirewall } from '../nat/firewall.js';
import { repairNetworks } from './repair.js';

export interface GcReport extends AttachmentGcReport {
  /** Operations a killed CNI plugin left (intent records), finished or undone. */
  settled: string[];
  /** Network bridges and gateway addresses that were gone (a reboot, ip link del) and were put back. */
  repairedNetworks: string[];
  /** Networks whose firewall chains were gone (a firewall reload flushed them) and were put back. */
  restoredFirewalls: string[];
}

export async function gc(ctx: EngineContext, opts: { dryRun?: boolean } = {}): Promise<GcReport> {
  const report: GcReport = { settled: [], removedRecords: [], removedLinks: [], removedBridges: [], repairedNetworks: [], restoredFirewalls: [], errors: [] };
  const dryRun = opts.dryRun ?? false;
  if (!dryRun) await settleCni(ctx, report);
  await gcAttachments(ctx, report, dryRun);
  const repair = await repairNetworks(ctx, dryRun);
  report.repairedNetworks.push(...repair.repaired);
  report.errors.push(...repair.errors);
  await restoreFirewalls(ctx, report, dryRun);
  await gcBridges(ctx, report, dryRun);
  return report;
}

/**
 * restoreFirewalls — someone flushed the rules (iptables -F, a firewall reload): put back
 * every network's chains and its attachments' published ports, from state.
 */
async function restoreFirewalls(ctx: EngineContext, report: GcReport, dryRun: boolean): Promise<void> {
  const networks = ctx.networks.all().filter((x) => x.firewall);
  const backend = networks.length > 0 ? await ctx.firewall() : undefined;
  for (const n of networks) {
    const fw = networkFirewall(n);
    try {
      if (await backend!.networkInstalled(fw)) continue;
      if (!dryRun) {
        await backend!.uninstallNetwork(fw); // whatever half is left, so nothing is doubled
        await backend!.installNetwork(fw);
        for (const att of ctx.attachments.all().filter((a) => a.hostTarget === n.bridge)) {
          const ports = ctx.ports.forAttachment(att.id);
          await backend!.unpublish(n.bridge, [], ports); // what survived (say nat, when only filter was flushed)
          await backend!.publish(n.bridge, [], ports);
        }
      }
      report.restoredFirewalls.push(n.name);
    } catch (e) {
      report.errors.push(`firewall of ${n.name}: ${(e as Error).message}`);
    }
  }
}

/** settleCni — CNI ADDs and DELs a killed plugin left (src/cni), finished or undone before the rest looks. */
async function settleCni(ctx: EngineContext, report: GcReport): Promise<void> {
  for (const object of new Set(ctx.intents.all().map((r) => r.object).filter((o) => o.startsWith('cni:')))) {
    try {
      report.settled.push(...(await ctx.settle(object)).map((r) => r.message));
    } catch (e) {
      report.errors.push((e as Error).message);
    }
  }
}
