/**
 * repair — puts back what a network needs on the host when it vanished (after a reboot, or
 * someone ran `ip link del`): its bridge, if tsnet made it, its gateway addresses, and its
 * members' veths as ports of the bridge again. The
 * Docker daemon does the same for docker0 when it starts; tsnet has no daemon, so `tsnet gc`
 * runs this. A bridge the user brought (-b) is not recreated: tsnet cannot know how it was
 * made, so that is reported instead.
 */
import { ensureBridge } from '../bridge/bridge.js';
import type { EngineContext } from '../engine/context.js';
import { gatewayCidrs, routeLocalnetKey } from './network.js';
import { ETH_P_ARP, gratuitousArp } from '../attach/arp-frame.js';
import type { LinkOps } from '../netlink/linkops.js';
import type { NetworkRecord } from '../state/networks.js';

export interface NetworkRepair {
  /** "lab: bridge br-1234 recreated", "lab: gateway 10.1.0.1/24 put back". */
  repaired: string[];
  errors: string[];
}

export async function repairNetworks(ctx: EngineContext, dryRun: boolean): Promise<NetworkRepair> {
  const report: NetworkRepair = { repaired: [], errors: [] };
  const host = await ctx.hostLinks();
  // Read once for every network: gc on a root with 1000 members must not ask per member.
  const attachments = ctx.attachments.all();
  const links = new Map((await host.listLinks()).map((l) => [l.name, l]));
  for (const n of ctx.networks.all()) {
    try {
      const link = await host.getLink(n.bridge);
      if (!link && !n.bridgeCreated) {
        report.errors.push(`${n.name}: bridge ${n.bridge} (brought with -b) is gone; create it again, or remove the network`);
        continue;
      }
      if (!link) {
        if (!dryRun) await ensureBridge(host, n.bridge, n.mtu);
        report.repaired.push(`${n.name}: bridge ${n.bridge} recreated`);
      }
      // Published ports on 127.0.0.1 need route_localnet on the bridge (see network.ts addFirewall):
      // a recreated bridge starts without it, and a killed create or a hand may have turned it off.
      if (n.firewall && !n.internal && (await ctx.firewall()).name !== 'none' && (!link || (await host.readSysctl(routeLocalnetKey(n.bridge))).trim() !== '1')) {
        if (!dryRun) await host.setSysctl(routeLocalnetKey(n.bridge), '1');
        if (link) report.repaired.push(`${n.name}: route_localnet turned back on for ${n.bridge}`);
      }
      const present = new Set(link ? (await host.listAddrs(n.bridge)).map((a) => a.cidr) : []);
      for (const cidr of gatewayCidrs(n).filter((c) => !present.has(c))) {
        if (!dryRun) await host.addAddr(n.bridge, cidr, { noDad: true });
        report.repaired.push(`${n.name}: gateway ${cidr} put back on ${n.bridge}`);
      }
      // A deleted bridge let go of its ports: the members' veths are still there, unplugged.
      const bridgeIndex = dryRun ? link?.index : (await host.getLink(n.bridge))?.index;
      for (const rec of attachments.filter((a) => a.kind === 'veth' && a.hostTarget === n.bridge)) {
        const port = links.get(rec.hostIf);
        if (!port || (bridgeIndex !== undefined && port.masterIndex === bridgeIndex)) continue;
        // Isolated when icc=false; hairpin when the member publishes ports (see network/ports.ts).
        const hairpin = ctx.ports.forAttachment(rec.id).length > 0;
        if (!dryRun) await host.setLink(rec.hostIf, { master: n.bridge, up: true, bridgePort: { isolated: !n.icc, hairpin } });
        report.repaired.push(`${n.name}: ${rec.guest} ${rec.ctrIf} plugged back into ${n.bridge}`);
      }
      if (!dryRun && report.repaired.some((r) => r.startsWith(`${n.name}: `))) await announceGateway(ctx, host, n);
    } catch (e) {
      report.errors.push(`${n.name}: ${(e as Error).message}`);
    }
  }
  return report;
}

/**
 * announceGateway — a recreated bridge has a new MAC, and members that tried to reach the
 * gateway meanwhile hold a FAILED neighbour entry for it; a gratuitous ARP updates both at once.
 */
async function announceGateway(ctx: EngineContext, host: LinkOps, n: NetworkRecord): Promise<void> {
  const bridge = await host.getLink(n.bridge);
  if (bridge) ctx.hostFrames().send(bridge.index, ETH_P_ARP, gratuitousArp(bridge.mac, n.gateway));
}
