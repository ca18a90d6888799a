/**
 * resolve — how interrupted network and port operations are settled (engine/settle.ts runs
 * these resolvers, listed in engine/intent-resolvers.ts, for intent records whose tsnet
 * process died). A network create is undone, an rm finished; a port publish is undone, an
 * unpublish finished. Each works from state and the kernel as they are now, whatever step
 * the record stopped at, under the host lock (the firewall and sysctls are host-wide), and
 * tolerates "already gone", so a resolver interrupted in turn is simply run again.
 */
import type { EngineContext } from '../engine/context.js';
import type { IntentRecord } from '../state/intents.js';
import type { NetworkRecord } from '../state/networks.js';
import { networkFirewall } from '../nat/firewall.js';
import { ensureKeeper } from '../dhcp/supervise.js';
import { gatewayCidrs, routeLocalnetKey, sysctlNote } from './network.js';
import { takeDown } from './network-remove.js';

/** The host-wide sysctls a create turns on, put back only when it was the last network. */
const HOST_SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'];

export const networkCreateResolver = {
  outcome: 'undone' as const,
  settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const d = rec.data as { name: string; bridge: string; bridgeExisted: boolean; addrsBefore?: string[] };
    return ctx.hostLock.withLock(`undo the interrupted create of network ${d.name}`, async () => {
      const n = ctx.networks.get(d.name);
      const host = await ctx.hostLinks();
      const fw = n?.firewall ? await ctx.firewall() : undefined;
      if (n && fw) await fw.uninstallNetwork(networkFirewall(n));
      const localnet = rec.data[sysctlNote(routeLocalnetKey(d.bridge))];
      if (!d.bridgeExisted) {
        await host.deleteLink(d.bridge);
      } else {
        const keep = new Set(d.addrsBefore ?? []);
        for (const cidr of n ? gatewayCidrs(n).filter((c) => !keep.has(c)) : []) await host.delAddr(d.bridge, cidr);
        if (typeof localnet === 'string' && (await host.getLink(d.bridge))) await host.setSysctl(routeLocalnetKey(d.bridge), localnet);
      }
      ctx.networks.remove(d.name); // its DHCP server goes with it
      ensureKeeper(ctx, true);
      if (ctx.networks.all().length === 0) {
        for (const key of HOST_SYSCTLS) {
          const before = rec.data[sysctlNote(key)];
          if (typeof before === 'string') await host.setSysctl(key, before);
        }
        if (fw) await fw.uninstallBase();
      }
      return n ? 'its bridge, addresses and rules removed' : 'nothing had been recorded';
    });
  },
};

export const networkRemoveResolver = {
  outcome: 'finished' as const,
  settle(ctx: EngineContext, rec: IntentRecord): Promise<string> {
    const d = rec.data as { name: string; network: NetworkRecord };
    return ctx.hostLock.withLock(`finish the interrupted rm of network ${d.name}`, async () => {
      await takeDown(ctx, ctx.networks.get(d.name) ?? d.network);
      return 'its bridge and rules removed';
    });
  },
};

interface PortFacts { attachmentId: number; bridge: string; portIds?: number[] }

/** dropPorts — the given port rows of an attachment out of the firewall, then out of state. */
async function dropPorts(ctx: EngineContext, d: PortFacts, what: string): Promise<string> {
  const ids = new Set(d.portIds ?? []);
  return ctx.hostLock.withLock(what, async () => {
    const all = ctx.ports.forAttachment(d.attachmentId);
    const gone = all.filter((p) => ids.has(p.id));
    const kept = all.filter((p) => !ids.has(p.id));
    if (gone.length > 0) await (await ctx.firewall()).unpublish(d.bridge, kept, gone);
    ctx.ports.remove(gone.map((p) => p.id));
    // The first publish turned hairpin on for the guest's own ports; none left, it goes off.
    const att = kept.length === 0 ? ctx.attachments.all().find((a) => a.id === d.attachmentId) : undefined;
    const host = await ctx.hostLinks();
    if (att?.kind === 'veth' && (await host.getLink(att.hostIf))) await host.setLink(att.hostIf, { bridgePort: { hairpin: false } });
    return gone.length > 0 ? `${gone.map((p) => `${p.hostPort}/${p.protocol}`).join(', ')} removed` : 'nothing had been recorded';
  });
}

export const portPublishResolver = {
  outcome: 'undone' as const,
  settle: (ctx: EngineContext, rec: IntentRecord): Promise<string> => dropPorts(ctx, rec.data as unknown as PortFacts, 'undo an interrupted port publish'),
};

export const portUnpublishResolver = {
  outcome: 'finished' as const,
  settle: (ctx: EngineContext, rec: IntentRecord): Promise<string> => dropPorts(ctx, rec.data as unknown as PortFacts, 'finish an interrupted port unpublish'),
};
