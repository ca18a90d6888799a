/**
 * gc — reconciles state and kernel after crashes or guests that died without a detach:
 * records whose guest netns is gone or whose interface vanished are cleaned up and
 * removed; host interfaces with this root's prefix that no record owns are deleted;
 * bridges tsnet created that nothing uses any more are removed; networks get back their
 * bridge, gateway addresses and firewall rules. Reports every action.
 */
import { ownedPrefix } from '../core/names.js';
import { tryResolveGuest } from '../netns/guest.js';
import type { EngineContext } from './context.js';
import { removeAttachment, removeBridgeIfUnused } from './detach.js';
import { guestFromText } from './spec.js';
import { repairNetworks } from '../network/repair.js';
import { networkFirewall } from '../nat/firewall.js';

export interface GcReport {
  removedRecords: string[];
  removedLinks: string[];
  removedBridges: string[];
  /** Network bridges and gateway addresses that were gone (a reboot, ip link del) and were put back. */
  repairedNetworks: string[];
  /** Networks whose firewall chains were gone (a firewall reload flushed them) and were put back. */
  restoredFirewalls: string[];
  errors: string[];
}

export async function gc(ctx: EngineContext, opts: { dryRun?: boolean } = {}): Promise<GcReport> {
  const report: GcReport = { removedRecords: [], removedLinks: [], removedBridges: [], repairedNetworks: [], restoredFirewalls: [], errors: [] };
  const host = await ctx.hostLinks();
  for (const rec of ctx.attachments.all()) {
    const guest = tryResolveGuest(guestFromText(rec.guest));
    const alive = guest && guest.netnsId === rec.netnsId ? guest : undefined;
    try {
      const inGuest = alive ? await ctx.guestLinks(alive) : undefined;
      const present = inGuest ? (await inGuest.getLink(rec.ctrIf)) !== undefined : false;
      inGuest?.close();
      if (present) continue;
      const why = alive ? `${rec.ctrIf} is gone from the guest` : 'guest netns is gone';
      if (!opts.dryRun) {
        const errors = await removeAttachment(ctx, rec, alive, []);
        if (errors.length > 0) { report.errors.push(...errors); continue; }
        ctx.attachments.remove(rec.id);
      }
      report.removedRecords.push(`${rec.guest} ${rec.ctrIf} (${why})`);
    } finally {
      guest?.close();
    }
  }
  const owned = new Set(ctx.attachments.all().filter((r) => r.kind === 'veth').map((r) => r.hostIf));
  const prefix = ownedPrefix(ctx.rootId);
  for (const link of await host.listLinks()) {
    if (!link.name.startsWith(prefix) || owned.has(link.name)) continue;
    try {
      if (!opts.dryRun) await host.deleteLink(link.name);
      report.removedLinks.push(link.name);
    } catch (e) {
      report.errors.push(`delete ${link.name}: ${(e as Error).message}`);
    }
  }
  const repair = await repairNetworks(ctx, opts.dryRun ?? false);
  report.repairedNetworks.push(...repair.repaired);
  report.errors.push(...repair.errors);
  await restoreFirewalls(ctx, report, opts.dryRun ?? false);
  for (const bridge of ctx.createdBridges.all()) {
    if (opts.dryRun) continue;
    if (await removeBridgeIfUnused(ctx, bridge, report.errors)) report.removedBridges.push(bridge);
  }
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
