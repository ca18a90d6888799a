/**
 * default-network — `tsnet init`: the default network tsnet0 on bridge tsnet0, made the way
 * the Docker daemon makes docker0, with the daemon-level options: --bip (gateway address and
 * subnet in one), -b (use an existing bridge and its address), --fixed-cidr (allocate from
 * part of the subnet), --mtu, --iptables, --icc, --ip-masq, --ip-forward. Running it again
 * is a no-op; `tsnet attach tsnet0 GUEST` runs it with the defaults when needed
 * (attachCreatingDefault).
 */
import { TsnetError, invalid } from '../core/errors.js';
import { formatCidr, formatIp, network, parseCidr } from '../ipam/cidr.js';
import type { EngineContext } from '../engine/context.js';
import { attach, checkAttachRequest, type AttachOptions, type AttachResult } from '../attach/attach.js';
import type { AttachRequest } from '../attach/spec.js';
import { resolveGuest } from '../netns/guest.js';
import type { NetworkRecord } from '../state/networks.js';
import { createNetwork, networkChoiceOf, type PlannedNetwork } from './network.js';
import { networkObject } from '../core/intent.js';
import { hostIfName } from '../core/names.js';
import { DEFAULT_NETWORK } from './network-name.js';

export { DEFAULT_NETWORK };

export interface InitOptions {
  bip?: string | undefined;
  bridge?: string | undefined;
  fixedCidr?: string | undefined;
  mtu?: number | undefined;
  iptables?: boolean | undefined;
  icc?: boolean | undefined;
  ipMasq?: boolean | undefined;
  ipForward?: boolean | undefined;
}

/** initDifferences — what an init asked for that the existing default network does not have, as "subnet X (asked: Y)". */
export function initDifferences(n: NetworkRecord, o: InitOptions): string[] {
  const out: string[] = [];
  const differ = (what: string, have: unknown, asked: unknown): void => {
    if (asked !== undefined && asked !== have) out.push(`${what} ${String(have)} (asked: ${String(asked)})`);
  };
  if (o.bip !== undefined) {
    const c = parseCidr(o.bip, '--bip');
    differ('subnet', n.subnet, formatCidr(network(c)));
    differ('gateway', n.gateway, formatIp(c.family, c.addr));
  }
  differ('bridge', n.bridge, o.bridge);
  differ('--fixed-cidr', n.ipRange ?? 'none', o.fixedCidr);
  differ('MTU', n.mtu, o.mtu);
  differ('--iptables', n.firewall, o.iptables);
  differ('--icc', n.icc, o.icc);
  differ('--ip-masq', n.ipMasq, o.ipMasq);
  return out;
}

/** validateInit — the combinations Docker refuses, with the reason. */
export function validateInit(o: InitOptions): void {
  if (o.bridge !== undefined && o.bip !== undefined) {
    throw invalid('-b and --bip cannot be used together: with -b the bridge keeps its own address (set it on the bridge instead)');
  }
  if (o.iptables === false && o.icc === false) {
    throw invalid('--icc=false cannot be combined with --iptables=false: like Docker, tsnet only restricts traffic when it manages the firewall');
  }
  if (o.fixedCidr !== undefined && o.bip === undefined && o.bridge === undefined) {
    throw invalid('--fixed-cidr needs the subnet it lies in: give --bip, or -b with a bridge that has an address');
  }
  if (o.bip !== undefined) parseCidr(o.bip, '--bip');
  if (o.fixedCidr !== undefined) parseCidr(o.fixedCidr, '--fixed-cidr');
}

export async function initDefaultNetwork(ctx: EngineContext, o: InitOptions = {}): Promise<{ network: NetworkRecord; created: boolean }> {
  const r = await init(ctx, o, false);
  return { network: r.network!, created: r.created };
}

/**
 * planDefaultNetwork — `tsnet init --dry-run`: the real init's checks (the conflict with an
 * existing tsnet0 included) and the values it would choose; steps are empty when tsnet0 is
 * already there as asked.
 */
export async function planDefaultNetwork(ctx: EngineContext, o: InitOptions = {}): Promise<{ planned: PlannedNetwork; created: boolean }> {
  const r = await init(ctx, o, true);
  return { planned: r.planned!, created: r.created };
}

async function init(ctx: EngineContext, o: InitOptions, dryRun: boolean): Promise<{ network?: NetworkRecord; planned?: PlannedNetwork; created: boolean }> {
  validateInit(o);
  // Decided under the host lock: concurrent first attaches to tsnet0 create it once, and the
  // others find it made (instead of failing on "already exists").
  return ctx.hostLock.withLock('create the default network', () => initLocked(ctx, o, dryRun));
}

async function initLocked(ctx: EngineContext, o: InitOptions, dryRun: boolean): Promise<{ network?: NetworkRecord; planned?: PlannedNetwork; created: boolean }> {
  if (!dryRun) await ctx.settle(networkObject(DEFAULT_NETWORK)); // a killed init's half-made tsnet0 is undone first
  const existing = ctx.networks.get(DEFAULT_NETWORK);
  if (existing) {
    // Like attach: the same request again is a no-op, a different one is refused, naming the difference.
    const diffs = initDifferences(existing, o);
    if (diffs.length > 0) {
      throw new TsnetError('ECONFLICT', `${DEFAULT_NETWORK} already exists with ${diffs.join(', ')}; remove it first (tsnet network rm ${DEFAULT_NETWORK}) or leave those options out`);
    }
    if (dryRun) return { planned: { dryRun: true, ...networkChoiceOf(existing, (await ctx.firewall({ dryRun: true })).name), steps: [] }, created: false };
    return { network: existing, created: false };
  }
  let subnet: string | undefined;
  let gateway: string | undefined;
  if (o.bip !== undefined) {
    // --bip 172.30.0.1/16: the address is the gateway, its network the subnet.
    const c = parseCidr(o.bip, '--bip');
    subnet = formatCidr(network(c));
    gateway = formatIp(c.family, c.addr);
    if (subnet.split('/')[0] === gateway) throw invalid(`--bip "${o.bip}" is a network address; give the bridge's address, e.g. ${formatIp(c.family, c.addr + 1n)}/${c.prefix}`);
  }
  const r = await createNetwork(ctx, {
    name: DEFAULT_NETWORK,
    bridge: o.bridge ?? DEFAULT_NETWORK,
    existingBridge: o.bridge !== undefined,
    subnet,
    gateway,
    ipRange: o.fixedCidr,
    mtu: o.mtu,
    firewall: o.iptables ?? true,
    ipMasq: o.ipMasq ?? true,
    icc: o.icc ?? true,
    ipForward: o.ipForward ?? true,
  }, { dryRun });
  return { ...r, created: true };
}

/**
 * attachCreatingDefault — `tsnet attach`: attach, after making tsnet0 with the defaults when
 * HOSTIF names it and it does not exist yet (the first command that needs it makes it, as
 * dockerd makes docker0). The request and the guest are checked first, so a bad one leaves
 * no network behind.
 */
/**
 * planAttachToNewDefault — `attach --dry-run tsnet0 GUEST` before tsnet0 exists: the real
 * init's checks and choices (planDefaultNetwork), then the attach a real run makes on it.
 * The attach's own steps depend on the network being recorded, so they are one step here.
 */
async function planAttachToNewDefault(ctx: EngineContext, req: AttachRequest, guestName: string, netnsId: string): Promise<AttachResult> {
  const { planned } = await planDefaultNetwork(ctx);
  const address = req.ip.mode === 'static' ? req.ip.addresses.map((a) => a.cidr).join(',') || 'no address' : req.ip.mode === 'dhcp' ? 'an address by DHCP' : `the next free address of ${planned.subnet}`;
  const hostInterface = req.hostSideName ?? hostIfName(ctx.rootId, netnsId, req.ctrIf);
  return {
    changed: false,
    message: `would create the default network ${DEFAULT_NETWORK} (subnet ${planned.subnet}, gateway ${planned.gateway}, bridge ${planned.bridge}) and attach ${guestName} ${req.ctrIf} to it`,
    plan: [...planned.steps, {
      name: 'attach',
      description: `attach ${guestName} ${req.ctrIf} to ${DEFAULT_NETWORK}: veth ${hostInterface} on ${planned.bridge}, ${address}${req.ip.mode === 'network' && !req.noDefaultRoute ? `, default route via ${planned.gateway}` : ''}`,
    }],
    planned: { guest: guestName, ctrIf: req.ctrIf, hostInterface, attachedTo: planned.bridge, network: DEFAULT_NETWORK },
  };
}

export async function attachCreatingDefault(ctx: EngineContext, req: AttachRequest, opts: AttachOptions = {}): Promise<AttachResult> {
  if (req.hostIf.kind === 'name' && req.hostIf.name === DEFAULT_NETWORK && !opts.dryRun) await ctx.settle(networkObject(DEFAULT_NETWORK));
  if (req.hostIf.kind === 'name' && req.hostIf.name === DEFAULT_NETWORK && !ctx.networks.get(DEFAULT_NETWORK)) {
    checkAttachRequest(req);
    const guest = resolveGuest(req.guest);
    guest.close();
    if (opts.dryRun) return planAttachToNewDefault(ctx, req, guest.name, guest.netnsId);
    await initDefaultNetwork(ctx);
  }
  return attach(ctx, req, opts);
}
