/**
 * check — CNI CHECK: the attachment is still what ADD made (interfaces.md 1.7): the record,
 * the container's interface (up, with its addresses, in the same netns), its default route
 * via the gateway, the host end on the network's bridge, the network's firewall chains, its
 * published ports, and that prevResult reports this interface and its addresses. A
 * delegated IPAM plugin gets its CHECK too. The first thing found wrong is the error.
 */
import type { EngineContext } from '../engine/context.js';
import { networkFirewall } from '../nat/firewall.js';
import type { CniCall } from './call.js';
import { delegate } from './delegate.js';
import { CNI_CODE, CniError } from './errors.js';
import { openNetns } from './netns.js';
import { existingNetwork } from './network.js';
import { cniRecords } from '../network/cni-records.js';

function wrong(details: string): CniError {
  return new CniError(CNI_CODE.checkFailed, 'attachment is not as ADD left it', details);
}

export async function cniCheck(ctx: EngineContext, call: CniCall): Promise<void> {
  const { env, conf } = call;
  const prev = conf.prevResult;
  if (!prev) throw new CniError(CNI_CODE.invalidConfig, 'invalid network configuration', 'CHECK needs prevResult (the result of ADD)');
  const network = existingNetwork(ctx, conf);
  if (!network) throw wrong(`tsnet network ${conf.network} does not exist`);
  const rec = cniRecords(ctx, conf.network, env)[0];
  if (!rec) throw wrong(`tsnet has no attachment of ${env.containerId} ${env.ifname} on ${conf.network}`);
  const guest = openNetns(env.netns, call.procEnv);
  try {
    if (guest.netnsId !== rec.netnsId) throw wrong(`CNI_NETNS ${env.netns} is not the netns ${env.ifname} was attached in`);
    const inGuest = await ctx.guestLinks(guest);
    try {
      const link = await inGuest.getLink(env.ifname);
      if (!link) throw wrong(`${env.ifname} is gone from ${env.netns}`);
      if (!link.up) throw wrong(`${env.ifname} is down`);
      const have = new Set((await inGuest.listAddrs(env.ifname)).map((a) => a.cidr));
      const missing = rec.addresses.filter((a) => !have.has(a));
      if (missing.length > 0) throw wrong(`${env.ifname} lacks ${missing.join(', ')}`);
      if (rec.gateway) {
        const routes = await inGuest.listRoutes(4);
        if (!routes.some((r) => r.dst === 'default' && r.gateway === rec.gateway)) throw wrong(`no default route via ${rec.gateway} in ${env.netns}`);
      }
    } finally {
      inGuest.close();
    }
  } finally {
    guest.close();
  }
  const host = await ctx.hostLinks();
  const [bridge, hostEnd] = await Promise.all([host.getLink(network.bridge), host.getLink(rec.hostIf)]);
  if (!bridge) throw wrong(`bridge ${network.bridge} of network ${network.name} is gone (tsnet gc puts it back)`);
  if (!hostEnd || hostEnd.masterIndex !== bridge.index) throw wrong(`host end ${rec.hostIf} is not a port of ${network.bridge}`);
  if (network.firewall) {
    const fw = await ctx.firewall();
    if (fw.name !== 'none' && !(await fw.networkInstalled(networkFirewall(network)))) throw wrong(`the firewall chains of network ${network.name} are gone (tsnet gc puts them back)`);
  }
  const ports = ctx.ports.forAttachment(rec.id).length;
  if (ports < conf.portMappings.length) throw wrong(`${conf.portMappings.length} port mappings asked for, ${ports} published`);
  const reported = (prev.interfaces ?? []).findIndex((i) => i.name === env.ifname && i.sandbox === env.netns);
  if (reported < 0) throw wrong(`prevResult has no interface ${env.ifname} in ${env.netns}`);
  const reportedIps = (prev.ips ?? []).filter((ip) => ip.interface === reported).map((ip) => ip.address);
  const notOurs = reportedIps.filter((a) => !rec.addresses.includes(a));
  if (notOurs.length > 0) throw wrong(`prevResult gives ${env.ifname} ${notOurs.join(', ')}, tsnet gave it ${rec.addresses.join(', ')}`);
  if (conf.ipam.kind === 'delegate') await delegate(conf.ipam.type, 'CHECK', env, call.procEnv, call.stdin, call.stderr);
}
