/**
 * gc — CNI 1.1 GC and STATUS. GC releases every attachment of this network that the
 * runtime does not list in cni.dev/valid-attachments (their netns may be gone: a missed
 * DEL is the usual cause of leaked addresses), after settling operations a killed plugin
 * left on this network; it carries on past errors and reports them all, and forwards GC to
 * a delegated IPAM plugin. STATUS says whether an ADD could succeed now: 50 when the
 * network's addresses are used up, 51 when its bridge is gone (its containers are cut off).
 */
import type { EngineContext } from '../engine/context.js';
import { settlePending } from '../engine/settle.js';
import { parseCidr } from '../ipam/cidr.js';
import type { CniCall } from './call.js';
import { delegate } from './delegate.js';
import { CNI_CODE, CniError } from './errors.js';
import { existingNetwork } from './network.js';
import { cniRecords, ownerOf, removeCniRecord } from '../network/cni-records.js';

export async function cniGc(ctx: EngineContext, call: CniCall): Promise<void> {
  const { conf } = call;
  const errors: string[] = [];
  const prefix = `cni:${conf.network}/`;
  for (const object of new Set(ctx.intents.all().map((r) => r.object).filter((o) => o.startsWith(prefix)))) {
    for (const r of await settlePending(ctx, { object })) {
      if (r.outcome === 'failed') errors.push(r.message);
      else if (r.outcome !== 'in progress') call.stderr.write(`tsnet-cni: ${r.message}\n`);
    }
  }
  const valid = new Set((conf.validAttachments ?? []).map((a) => `${a.containerID}/${a.ifname}`));
  for (const rec of cniRecords(ctx, conf.network)) {
    const o = ownerOf(rec)!;
    if (valid.has(`${o.containerId}/${o.ifname}`)) continue;
    const errs = await removeCniRecord(ctx, rec);
    if (errs.length > 0) errors.push(...errs.map((e) => `${o.containerId} ${o.ifname}: ${e}`));
    else call.stderr.write(`tsnet-cni: GC released ${o.containerId} ${o.ifname} (${rec.addresses.join(', ') || 'no address'})\n`);
  }
  if (conf.ipam.kind === 'delegate') {
    try {
      await delegate(conf.ipam.type, 'GC', call.env, call.procEnv, call.stdin, call.stderr);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length > 0) throw new CniError(CNI_CODE.tryAgainLater, 'try again later', `GC of ${conf.network}: ${errors.join('; ')}`);
}

export async function cniStatus(ctx: EngineContext, call: CniCall): Promise<void> {
  const { conf } = call;
  const network = existingNetwork(ctx, conf);
  if (network) {
    const host = await ctx.hostLinks();
    if (!(await host.getLink(network.bridge))) {
      throw new CniError(CNI_CODE.notAvailableDegraded, 'plugin not available', `bridge ${network.bridge} of tsnet network ${network.name} is gone; tsnet gc puts it back`);
    }
    if (conf.ipam.kind === 'tsnet') {
      const s = parseCidr(network.ipRange ?? network.subnet);
      const size = 2 ** (32 - s.prefix);
      const used = ctx.attachments.all().filter((a) => a.hostTarget === network.bridge).length;
      // network, broadcast and gateway are never handed out
      if (size - 3 - used <= 0) throw new CniError(CNI_CODE.notAvailable, 'plugin not available', `no free address left in ${network.ipRange ?? network.subnet} (${used} in use)`);
    }
  }
  if (conf.ipam.kind === 'delegate') await delegate(conf.ipam.type, 'STATUS', call.env, call.procEnv, call.stdin, call.stderr);
}
