/**
 * connect — `tsnet network connect|disconnect`, Docker's verbs over attach and detach: the
 * guest gets an interface on the network's bridge with the next free address (or --ip) and
 * a default route via the network's gateway. Without -i the interface is the lowest ethN
 * (N ≥ 1, pipework's first) the guest does not have yet. Connecting a guest that is already
 * on the network changes nothing, as does disconnecting one that is not.
 */
import { TsnetError, invalid } from '../core/errors.js';
import { contains, formatIp, parseCidr, parseIp } from '../ipam/cidr.js';
import { attach, type AttachResult } from '../attach/attach.js';
import { detach, type DetachResult } from '../attach/detach.js';
import type { EngineContext } from '../engine/context.js';
import type { AttachRequest } from '../attach/spec.js';
import type { GuestRef } from '../netns/guest-ref.js';
import { attachmentView } from '../attach/view.js';
import { resolveGuest, tryResolveGuest, type ResolvedGuest } from '../netns/guest.js';
import { describeGuest } from '../netns/guest-ref.js';
import type { NetworkRecord } from '../state/networks.js';
import { DEFAULT_NETWORK, initDefaultNetwork } from './default-network.js';
import { validateNetworkName } from './network.js';

export interface ConnectSpec {
  network: string;
  guest: GuestRef;
  /** A fixed address inside the network's subnet, without prefix length. */
  ip?: string | undefined;
  ctrIf?: string | undefined;
}

export async function connectNetwork(ctx: EngineContext, spec: ConnectSpec, opts: { dryRun?: boolean } = {}): Promise<AttachResult> {
  const network = await networkNamed(ctx, spec.network, opts.dryRun ?? false);
  const ip = spec.ip === undefined ? undefined : addressIn(network, spec.ip);
  const guest = resolveGuest(spec.guest, ctx.containerLookup);
  let ctrIf = spec.ctrIf;
  try {
    const onNetwork = ctx.attachments.forGuest(guest.netnsId, guest.name).find((a) => a.hostTarget === network.bridge);
    if (onNetwork) {
      // As Docker: a guest is on a network once, and the same request again is a no-op; a different one is refused.
      const where = `${guest.name} is already on network ${network.name} as ${onNetwork.ctrIf}`;
      const has = `${where} (${onNetwork.addresses.join(', ') || 'no address'})`;
      if (ctrIf !== undefined && ctrIf !== onNetwork.ctrIf) throw new TsnetError('ECONFLICT', `${has}; a guest joins a network once: disconnect it first to use ${ctrIf}`);
      if (ip !== undefined && !onNetwork.addresses.some((a) => a.split('/')[0] === ip.split('/')[0])) {
        throw new TsnetError('ECONFLICT', `${has}, not ${ip.split('/')[0]}; disconnect it first to change the address`);
      }
      return { changed: false, message: `${where}; nothing to do`, attachment: attachmentView(onNetwork) };
    }
    ctrIf ??= await nextFreeIfName(ctx, guest);
  } finally {
    guest.close();
  }
  const req: AttachRequest = {
    hostIf: { kind: 'name', name: network.name },
    guest: spec.guest,
    ctrIf,
    ip: ip === undefined ? { mode: 'network' } : { mode: 'static', addresses: [{ family: 4, cidr: ip }], gateway: { family: 4, ip: network.gateway } },
    directPhys: false,
  };
  return attach(ctx, req, opts);
}

export async function disconnectNetwork(ctx: EngineContext, name: string, ref: GuestRef, opts: { dryRun?: boolean } = {}): Promise<DetachResult> {
  validateNetworkName(name);
  const network = ctx.networks.get(name);
  if (!network) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
  const guest = tryResolveGuest(ref, ctx.containerLookup);
  const records = ctx.attachments.forGuest(guest?.netnsId, describeGuest(ref)).filter((a) => a.hostTarget === network.bridge);
  guest?.close();
  const result: DetachResult = { removed: [], warnings: [], message: `${describeGuest(ref)} is not on network ${name}; nothing to do` };
  for (const rec of records) {
    const r = await detach(ctx, ref, rec.ctrIf, opts);
    result.removed.push(...r.removed);
    result.warnings.push(...r.warnings);
    result.message = r.message;
  }
  return result;
}

async function networkNamed(ctx: EngineContext, name: string, dryRun: boolean): Promise<NetworkRecord> {
  validateNetworkName(name);
  const network = ctx.networks.get(name);
  if (network) return network;
  if (name === DEFAULT_NETWORK && !dryRun) return (await initDefaultNetwork(ctx)).network;
  throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
}

/** addressIn — "ip/len" for --ip, which must be a usable address of the network other than its gateway. */
function addressIn(network: NetworkRecord, ip: string): string {
  const a = parseIp(ip, '--ip');
  const subnet = parseCidr(network.subnet);
  const text = formatIp(a.family, a.addr);
  if (text === network.gateway) throw new TsnetError('ECONFLICT', `--ip ${ip} is the gateway of network ${network.name}`);
  if (a.family !== subnet.family) throw invalid(`--ip "${ip}" is not an IPv${subnet.family} address (network ${network.name} is ${network.subnet})`);
  // Bad input before any conflict: checked here, not only when attach runs.
  if (!contains(subnet, a.family, a.addr)) throw invalid(`address "${text}/${subnet.prefix}" is not in network ${network.name} (${network.subnet})`);
  return `${text}/${subnet.prefix}`;
}

/** nextFreeIfName — the lowest ethN, N ≥ 1, that the guest has neither as a link nor in state. */
async function nextFreeIfName(ctx: EngineContext, guest: ResolvedGuest): Promise<string> {
  const links = await ctx.guestLinks(guest);
  try {
    const taken = new Set([...(await links.listLinks()).map((l) => l.name), ...ctx.attachments.forGuest(guest.netnsId, guest.name).map((a) => a.ctrIf)]);
    for (let n = 1; ; n++) if (!taken.has(`eth${n}`)) return `eth${n}`;
  } finally {
    links.close();
  }
}
