/**
 * gc — `tsnet gc`: reconciles state and kernel after crashes, reboots or a firewall reload.
 * Interrupted operations first (their intent records, engine/settle.ts), then attachments (attach/gc.ts: stale records, orphaned host interfaces), then networks
 * get back their bridge, gateway addresses and firewall rules, then bridges nothing uses
 * any more are removed. Reports every action.
 */
import type { EngineContext } from '../engine/context.js';
import { gcAttachments, gcBridges, type AttachmentGcReport } from '../attach/gc.js';
import { networkFirewall } from '../nat/firewall.js';
import { repairNetworks } from './repair.js';
import { contains, parseCidr, parseIp } from '../ipam/cidr.js';
import type { PortRecord } from '../state/ports.js';

export interface GcReport extends AttachmentGcReport {
  /** Interrupted operations (intent records of dead processes: attach, network, ports, CNI ADD/DEL ...) finished or undone, one line each. */
  settled: string[];
  /** Network bridges and gateway addresses that were gone (a reboot, ip link del) and were put back. */
  repairedNetworks: string[];
  /** Networks whose firewall chains were gone (a firewall reload flushed them) and were put back. */
  restoredFirewalls: string[];
  /** Published ports' kernel mappings made to match state (missing added, doubled or unexplained removed). */
  reconciledPorts: string[];
}

export async function gc(ctx: EngineContext, opts: { dryRun?: boolean } = {}): Promise<GcReport> {
  const report: GcReport = { settled: [], removedRecords: [], removedLinks: [], removedBridges: [], repairedNetworks: [], restoredFirewalls: [], reconciledPorts: [], errors: [] };
  const dryRun = opts.dryRun ?? false;
  // Interrupted operations first: what they half-made is then finished or gone, not "orphaned".
  for (const r of await ctx.settleAll({ dryRun })) {
    if (r.outcome === 'failed') report.errors.push(r.message);
    else report.settled.push(r.message);
  }
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
        await ctx.hostLock.withLock(`restore the firewall of network ${n.name}`, async () => {
          await backend!.uninstallNetwork(fw); // whatever half is left, so nothing is doubled
          await backend!.installNetwork(fw);
        });
      }
      report.restoredFirewalls.push(n.name);
    } catch (e) {
      report.errors.push(`firewall of ${n.name}: ${(e as Error).message}`);
    }
  }
  if (!backend) return;
  // Every published port, in one batch per table: a lost, doubled or unexplained mapping is
  // put right (the networks' chains above may have just been remade without them).
  const atts = new Map(ctx.attachments.all().map((a) => [a.id, a]));
  const byBridge = new Map<string, PortRecord[]>();
  for (const p of ctx.ports.all()) {
    const bridge = atts.get(p.attachmentId)?.hostTarget;
    if (bridge) byBridge.set(bridge, [...(byBridge.get(bridge) ?? []), p]);
  }
  const subnets = networks.map((n) => parseCidr(n.subnet));
  const owned = (ip: string): boolean => { try { const a = parseIp(ip); return subnets.some((s) => contains(s, a.family, a.addr)); } catch { return false; } };
  try {
    const changes = await ctx.hostLock.withLock('reconcile published ports', () =>
      backend.reconcilePorts([...byBridge].map(([bridge, ports]) => ({ bridge, ports })), owned, dryRun));
    report.reconciledPorts.push(...changes);
  } catch (e) {
    report.errors.push(`published ports: ${(e as Error).message}`);
  }
}

