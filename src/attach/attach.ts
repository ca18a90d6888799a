/**
 * attach — puts one interface into a guest: resolve the guest once, look at the host,
 * decide (same attach again → no-op; a different one → conflict), plan every kernel step
 * with its undo, apply, and record. Validation happens before the first change; a failure
 * at any step unwinds all earlier ones (core/plan).
 */
import { TsnetError, invalid } from '../core/errors.js';
import { contains, parseCidr } from '../ipam/cidr.js';
import type { NetworkRecord } from '../state/networks.js';
import { hostIfName } from '../core/names.js';
import { applyPlan, type PlanStep, type StepRecorder } from '../core/plan.js';
import { attachmentObject, networkObject, runIntent, type Admit } from '../core/intent.js';
import { resolveGuest, type ResolvedGuest } from '../netns/guest.js';
import type { LinkOps } from '../netlink/linkops.js';
import type { EngineContext } from '../engine/context.js';
import { inspectHostSide } from './host-side.js';
import { buildAttachPlan } from './attach-plan.js';
import type { AttachRequest } from './spec.js';
import { requireVlan } from './vlan.js';
import { attachmentView, type AttachmentView } from './view.js';
import { repairAttachment } from './repair.js';
import { parseDhcpOptions, type DhcpClientOptions } from '../dhcp/client-options.js';
import { guestHostname } from './guest-hostname.js';

export interface AttachOptions {
  dryRun?: boolean | undefined;
  /** The caller's intent record (core/intent.ts): each step is recorded in it as it starts. */
  intent?: StepRecorder | undefined;
  /**
   * The guest, already resolved, and LinkOps inside it, when the caller has them open (the
   * CNI plugin): used, not reopened (each LinkOps in a netns costs two setns calls), and left
   * for the caller to close. It must be req.guest.
   */
  opened?: { guest: ResolvedGuest; links: LinkOps } | undefined;
}

export interface AttachResult {
  changed: boolean;
  message: string;
  attachment?: AttachmentView | undefined;
  /** The steps, for --dry-run. */
  plan?: PlanStep[] | undefined;
  /** With --dry-run: what it would make (guest name, interfaces, bridge or NIC, network). */
  planned?: { guest: string; ctrIf: string; hostInterface: string; attachedTo: string; network: string | null } | undefined;
}

/**
 * checkAttachRequest — what is refused before anything is looked at or changed (bad dhcp
 * options); returns the parsed dhcp options.
 */
export function checkAttachRequest(req: AttachRequest): DhcpClientOptions | undefined {
  const dhcp = req.ip.mode === 'dhcp' ? parseDhcpOptions(req.ip.options) : undefined;
  if (dhcp && req.family === 6) throw invalid('dhcp gives IPv4 addresses; -a 6 cannot be used with it');
  return dhcp;
}

/**
 * attach — HOSTIF is a tsnet network (from state) or a host interface. The default network
 * is not made here: network/default-network.ts attachCreatingDefault makes it first.
 */
export async function attach(ctx: EngineContext, req: AttachRequest, opts: AttachOptions = {}): Promise<AttachResult> {
  const dhcp = checkAttachRequest(req);
  const guest = opts.opened?.guest ?? resolveGuest(req.guest, ctx.containerLookup);
  const host = await ctx.hostLinks();
  const inGuest = opts.opened?.links ?? (await ctx.guestLinks(guest));
  try {
    // What a killed attach or detach left on this interface is finished or undone first.
    const object = attachmentObject(guest.netnsId, req.ctrIf);
    if (!opts.dryRun) await ctx.settle(object);
    // A network half-made by a killed create is undone (or a killed rm finished) before use.
    if (!opts.dryRun && req.hostIf.kind === 'name' && ctx.networks.get(req.hostIf.name)) await ctx.settle(networkObject(req.hostIf.name));
    const network = networkOf(ctx, req);
    const side = await inspectHostSide(host, network ? { ...req, hostIf: { kind: 'name', name: network.bridge } } : req);
    if (network && side.createBridge) {
      throw new TsnetError('ENOTFOUND', `the bridge ${network.bridge} of network ${network.name} is gone; remove and create the network again`);
    }
    const specKey = canonicalSpec(req, side.target, side.mode);
    const existing = ctx.attachments.find(guest.netnsId, req.ctrIf);
    const guestLink = await inGuest.getLink(req.ctrIf);
    if (existing && existing.specKey === specKey && guestLink) {
      // Idempotent against the kernel, not only against state: what drifted is put back.
      const fixed = opts.dryRun ? [] : await repairAttachment(host, inGuest, existing);
      const message = fixed.length > 0
        ? `${guest.name} ${req.ctrIf} was attached to ${side.target} but the kernel differed; repaired: ${fixed.join(', ')}`
        : `${guest.name} ${req.ctrIf} is already attached to ${side.target}; nothing to do`;
      return { changed: fixed.length > 0, message, attachment: attachmentView(existing) };
    }
    if (existing && guestLink) {
      throw new TsnetError('ECONFLICT', `${guest.name} already has ${req.ctrIf} attached to ${existing.hostTarget} (${existing.addresses.join(',') || 'no address'}); detach it first or pick another -i`);
    }
    if (guestLink) {
      throw new TsnetError('ECONFLICT', `${guest.name} already has an interface named ${req.ctrIf} that tsnet did not make; pick another -i`);
    }
    const hostSideName = side.mode === 'veth' ? (req.hostSideName ?? hostIfName(ctx.rootId, guest.netnsId, req.ctrIf)) : side.target;
    if (side.mode === 'veth' && (await host.getLink(hostSideName))) {
      throw new TsnetError('ECONFLICT', `host interface ${hostSideName} already exists; pick another -l`);
    }
    if (req.vlan !== undefined) {
      await requireVlan(side.mode === 'veth' ? 'bridge-vlan-filtering' : '8021q', req.vlan, side.mode === 'veth' ? `a port of bridge ${side.target}` : `a macvlan on ${side.target}`);
    }
    // pipework sends the guest's name as the DHCP hostname; a process guest has one too (guest-hostname.ts).
    const dhcpFor = dhcp && { ...dhcp, hostname: dhcp.hostname ?? (await guestHostname(guest)) };
    const plan = buildAttachPlan({ ctx, req, side, guest, host, inGuest, hostSideName, specKey, network, dhcp: dhcpFor });
    if (opts.dryRun) {
      return {
        changed: false, message: 'dry run: nothing changed', plan: plan.toJson(),
        planned: { guest: guest.name, ctrIf: req.ctrIf, hostInterface: hostSideName, attachedTo: side.target, network: network?.name ?? null },
      };
    }
    if (existing) ctx.attachments.remove(existing.id); // its interface vanished: a stale record
    const data = {
      label: `${guest.name} ${req.ctrIf}`, guest: guest.name, netnsId: guest.netnsId, ctrIf: req.ctrIf,
      kind: side.mode, hostIf: hostSideName, target: side.target, createBridge: side.createBridge,
    };
    // A caller with a record of its own (a CNI ADD) has its resolver undo the attach; else attach's own.
    if (opts.intent) await applyPlan(plan, { intent: opts.intent });
    else await runIntent(ctx, { op: 'attach', object, data }, (intent) => applyPlan(plan, { intent }), network && admitToNetwork(ctx, network.name, data.label));
    const record = ctx.attachments.find(guest.netnsId, req.ctrIf);
    return { changed: true, message: `attached ${guest.name} ${req.ctrIf} to ${side.target}`, attachment: record && attachmentView(record, ctx.dhcpLeases.get(record.id)) };
  } finally {
    if (!opts.opened) {
      inGuest.close();
      guest.close();
    }
  }
}

/**
 * admitToNetwork — an attach to a network records itself under the host lock, and only while
 * the network is still there: `network rm` and `network prune` decide "unused" under that
 * lock and count live attach records as users (network/network.ts networkUsers), so either
 * the removal sees this attach, or this attach sees the network gone and stops before its
 * first change.
 */
function admitToNetwork(ctx: EngineContext, name: string, label: string): Admit {
  return (begin) => ctx.hostLock.withLock(`attach ${label} to network ${name}`, () => {
    if (!ctx.networks.get(name)) throw new TsnetError('ENOTFOUND', `network ${name} was removed meanwhile (see tsnet network ls)`);
    return begin();
  });
}

/**
 * networkOf — the tsnet network HOSTIF names, if any (a network name wins over an interface
 * of the same name, as in Docker). Without IPSPEC HOSTIF must be one; with IPSPEC on a
 * network, the addresses must lie in its subnet.
 */
function networkOf(ctx: EngineContext, req: AttachRequest): NetworkRecord | undefined {
  const network = req.hostIf.kind === 'name' ? ctx.networks.get(req.hostIf.name) : undefined;
  if (req.ip.mode === 'network' && !network) {
    const what = req.hostIf.kind === 'name' ? req.hostIf.name : `mac:${req.hostIf.mac}`;
    throw invalid(`${what} is not a tsnet network, so an IPSPEC is needed (ip/len[@gw] or 0/0); see tsnet network ls`);
  }
  if (network && req.ip.mode === 'static') {
    for (const a of req.ip.addresses) {
      const c = parseCidr(a.cidr);
      const text = c.family === 4 ? network.subnet : network.subnet6;
      const subnet = text === null ? undefined : parseCidr(text);
      if (!subnet || !contains(subnet, c.family, c.addr) || c.prefix !== subnet.prefix) {
        throw invalid(`address "${a.cidr}" is not in network ${network.name} (${[network.subnet, network.subnet6].filter(Boolean).join(', ')})`);
      }
    }
  }
  return network;
}

/** canonicalSpec — what makes two attach requests "the same", order-independent. */
export function canonicalSpec(req: AttachRequest, target: string, mode: string): string {
  return JSON.stringify({
    target,
    mode,
    ctrIf: req.ctrIf,
    hostSideName: req.hostSideName ?? null,
    addresses: req.ip.mode === 'static' ? req.ip.addresses.map((a) => a.cidr).sort() : [req.ip.mode],
    dhcp: req.ip.mode === 'dhcp' ? req.ip.options : undefined,
    gateway: req.ip.mode === 'static' ? (req.ip.gateway?.ip ?? null) : null,
    mac: req.mac ?? null,
    vlan: req.vlan ?? null,
  });
}
