/**
 * ports — publishing a guest's ports on the host (docker run -p): parse the specs, reserve
 * the host ports in state (fixed, ranged or ephemeral), refuse ports another process holds,
 * and (re)build the guest's DNAT/ACCEPT chains; with undo at every step. The guest must be
 * attached to a tsnet network (that gives the bridge and the container address).
 */
import { TsnetError, invalid } from '../core/errors.js';
import { applyPlan, Plan, type PlanStep } from '../core/plan.js';
import { portsObject, runIntent, type Intent } from '../core/intent.js';
import { settleGuest } from '../attach/detach.js';
import { parsePortSpec } from '../nat/port-spec.js';
import { resolveGuest, tryResolveGuest } from '../netns/guest.js';
import { describeGuest, type GuestRef } from '../netns/guest-ref.js';
import type { EngineContext } from '../engine/context.js';
import type { AttachmentRecord } from '../state/attachments.js';
import type { NetworkRecord } from '../state/networks.js';
import { ANY_HOST_IP, EPHEMERAL_PORTS, type PortRecord, type PortRequest } from '../state/ports.js';
import { assertHostPortsFree } from './host-port.js';

export interface PortView {
  guest: string;
  interface: string;
  network: string;
  protocol: PortRecord['protocol'];
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** target — the guest's attachment to a tsnet network (the one named by -i when several). */
function target(ctx: EngineContext, netnsId: string, guestName: string, ctrIf?: string): { att: AttachmentRecord; network: NetworkRecord } {
  const networks = ctx.networks.all();
  const candidates = ctx.attachments.forGuest(netnsId, guestName, ctrIf)
    .map((att) => ({ att, network: networks.find((n) => n.bridge === att.hostTarget) }))
    .filter((c): c is { att: AttachmentRecord; network: NetworkRecord } => c.network !== undefined);
  if (candidates.length === 0) throw invalid(`${guestName}${ctrIf ? ` ${ctrIf}` : ''} is not attached to a tsnet network; attach it with tsnet attach NETWORK GUEST first`);
  if (candidates.length > 1) throw invalid(`${guestName} is attached to several networks (${candidates.map((c) => `${c.att.ctrIf}: ${c.network.name}`).join(', ')}); pick one with -i`);
  const only = candidates[0]!;
  if (only.network.internal) throw invalid(`network ${only.network.name} is internal: nothing from outside reaches it, so ports cannot be published`);
  return only;
}

/**
 * PortsPlan — `port publish|unpublish --dry-run`: the guest's interface and network, and the
 * mappings it would make (host ports chosen, ephemeral ones included) or remove, with the steps
 * (JSON kind "ports plan").
 */
export interface PortsPlan {
  dryRun: true;
  guest: string;
  interface: string;
  network: string;
  /** null: the guest has no IPv4 address on the network (an unpublish of an IPv6-only guest). */
  containerIp: string | null;
  ports: PortView[];
  steps: PlanStep[];
}

/** publishPorts — publishes and returns the mappings made; a dry run returns them as a plan instead. */
export async function publishPorts(ctx: EngineContext, ref: GuestRef, specs: string[], opts?: { ctrIf?: string | undefined; dryRun?: false }): Promise<PortView[]>;
export async function publishPorts(ctx: EngineContext, ref: GuestRef, specs: string[], opts: { ctrIf?: string | undefined; dryRun: true }): Promise<PortsPlan>;
export async function publishPorts(ctx: EngineContext, ref: GuestRef, specs: string[], opts: { ctrIf?: string | undefined; dryRun?: boolean } = {}): Promise<PortView[] | PortsPlan> {
  const dryRun = opts.dryRun ?? false;
  if (specs.length === 0) throw invalid('give at least one -p [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO]');
  const mappings = specs.flatMap(parsePortSpec);
  const v6 = mappings.find((m) => m.hostFamily === 6);
  if (v6) throw new TsnetError('EUNSUPPORTED', `IPv6 host address ${v6.hostIp} is not supported yet; publish on an IPv4 address`);
  const guest = resolveGuest(ref, ctx.containerLookup);
  try {
    if (!dryRun) await settleGuest(ctx, guest.netnsId, guest.name, opts.ctrIf);
    const { att, network } = target(ctx, guest.netnsId, guest.name, opts.ctrIf);
    const containerIp = att.addresses.map((a) => a.split('/')[0]!).find((a) => !a.includes(':'));
    if (!containerIp) throw invalid(`${guest.name} ${att.ctrIf} has no IPv4 address on ${network.name}`);
    const requests: PortRequest[] = mappings.map((m) => ({
      protocol: m.protocol, hostIp: m.hostIp ?? ANY_HOST_IP, hostPort: m.hostPort ?? EPHEMERAL_PORTS, containerIp, containerPort: m.containerPort,
    }));
    await assertHostPortsFree(requests.flatMap((r) => (typeof r.hostPort === 'number' ? [{ ...r, hostPort: r.hostPort }] : [])), ctx.portHolder);
    const fw = await ctx.firewall({ dryRun });
    // The nat table is host-wide: what the chain lacks is read and added under the host lock;
    // what a killed publish or unpublish left on these ports is undone or finished first.
    // One path for both runs: the ports are chosen and checked here, a dry run stops before applying.
    const object = portsObject(att.id);
    return await ctx.hostLock.withLock(`publish ports of ${guest.name}`, async () => {
      if (!dryRun) await ctx.settle(object);
      const chosen = ctx.ports.choose(requests);
      await assertHostPortsFree(chosen.filter((_, i) => typeof requests[i]!.hostPort !== 'number'), ctx.portHolder);
      const before = ctx.ports.forAttachment(att.id);
      let reserved: PortRecord[] = [];
      let intent: Intent | undefined;
      const mapped = chosen.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
      const plan = new Plan()
        .add({
          name: 'record',
          describe: `reserve ${mapped} for ${guest.name} ${att.ctrIf}`,
          // The rows and the record's note of them in one transaction: a crash leaves both or neither.
          // The ports were chosen above under the lock; reserve checks them again as it takes them.
          apply: () => ctx.db.transaction(() => {
            reserved = ctx.ports.reserve(att.id, chosen);
            intent!.note({ portIds: reserved.map((p) => p.id) });
          }).immediate(),
          undo: () => ctx.ports.remove(reserved.map((p) => p.id)),
        })
        .add({
          name: 'firewall',
          describe: `DNAT ${chosen.map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}`).join(', ')} to ${containerIp} on ${network.bridge} (${fw.name})`,
          apply: () => fw.publish(network.bridge, before, reserved),
          undo: () => fw.unpublish(network.bridge, before, reserved),
        });
      // A guest reaching its own published port through the host's address gets the packet
      // back on the bridge port it came from: the bridge sends it there only in hairpin mode.
      if (att.kind === 'veth' && fw.name !== 'none' && before.length === 0) plan.add({
        name: 'hairpin',
        describe: `hairpin mode on ${att.hostIf}, so ${guest.name} reaches its own published ports`,
        apply: async () => { await (await ctx.hostLinks()).setLink(att.hostIf, { bridgePort: { hairpin: true } }); },
        undo: async () => { await (await ctx.hostLinks()).setLink(att.hostIf, { bridgePort: { hairpin: false } }); },
      });
      if (dryRun) {
        const ports = chosen.map((p, i) => view({ ...p, id: -1 - i, attachmentId: att.id }, att, network));
        return { dryRun: true as const, guest: guest.name, interface: att.ctrIf, network: network.name, containerIp, ports, steps: plan.toJson() };
      }
      const data = { label: `ports of ${guest.name} ${att.ctrIf}`, attachmentId: att.id, bridge: network.bridge };
      await runIntent(ctx, { op: 'port-publish', object, data }, (i) => applyPlan(plan, { intent: (intent = i) }));
      return reserved.map((p) => view(p, att, network));
    });
  } finally {
    guest.close();
  }
}

/**
 * unpublishPorts — the given host ports ("8080" or "8080/udp"), or all of the guest's. A dry
 * run runs the same checks and returns what it would remove as a plan (JSON kind "ports plan").
 */
export async function unpublishPorts(ctx: EngineContext, ref: GuestRef, which: string[], opts?: { ctrIf?: string | undefined; dryRun?: false }): Promise<PortView[]>;
export async function unpublishPorts(ctx: EngineContext, ref: GuestRef, which: string[], opts: { ctrIf?: string | undefined; dryRun: true }): Promise<PortsPlan>;
export async function unpublishPorts(ctx: EngineContext, ref: GuestRef, which: string[], opts: { ctrIf?: string | undefined; dryRun?: boolean } = {}): Promise<PortView[] | PortsPlan> {
  const dryRun = opts.dryRun ?? false;
  const wanted = which.map((w) => {
    const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(w);
    if (!m) throw invalid(`"${w}" is not a host port (e.g. 8080 or 5353/udp)`);
    return { port: Number(m[1]), protocol: m[2] };
  });
  const guest = tryResolveGuest(ref, ctx.containerLookup);
  try {
    if (!dryRun) await settleGuest(ctx, guest?.netnsId, guest?.name ?? describeGuest(ref), opts.ctrIf);
    const { att, network } = target(ctx, guest?.netnsId ?? '', guest?.name ?? describeGuest(ref), opts.ctrIf);
    const fw = await ctx.firewall({ dryRun });
    const object = portsObject(att.id);
    return await ctx.hostLock.withLock(`unpublish ports of ${att.guest}`, async () => {
      if (!dryRun) await ctx.settle(object);
      const all = ctx.ports.forAttachment(att.id);
      const gone = all.filter((p) => wanted.length === 0 || wanted.some((w) => w.port === p.hostPort && (!w.protocol || w.protocol === p.protocol)));
      const kept = all.filter((p) => !gone.includes(p));
      const views = gone.map((p) => view(p, att, network));
      const listed = gone.map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}`).join(', ');
      // Steps without undo, run in order without applyPlan: a failed or interrupted unpublish is
      // finished (network/resolve.ts), never reported as rolled back.
      const plan = gone.length === 0 ? new Plan() : new Plan()
        .add({ name: 'firewall', describe: `remove the DNAT of ${listed} to ${att.guest} (${fw.name})`, apply: () => fw.unpublish(network.bridge, kept, gone) })
        .add({ name: 'forget', describe: `release ${listed}`, apply: () => ctx.ports.remove(gone.map((p) => p.id)) });
      if (dryRun) {
        const containerIp = att.addresses.map((a) => a.split('/')[0]!).find((a) => !a.includes(':')) ?? null;
        return { dryRun: true as const, guest: att.guest, interface: att.ctrIf, network: network.name, containerIp, ports: views, steps: plan.toJson() };
      }
      const data = { label: `ports of ${att.guest} ${att.ctrIf}`, attachmentId: att.id, bridge: network.bridge, portIds: gone.map((p) => p.id) };
      await runIntent(ctx, { op: 'port-unpublish', object, data }, async (intent) => {
        for (const step of plan.steps) {
          intent.step(step.name);
          await step.apply();
        }
      });
      return views;
    });
  } finally {
    guest?.close();
  }
}

export function listPorts(ctx: EngineContext): PortView[] {
  const atts = new Map(ctx.attachments.all().map((a) => [a.id, a]));
  const networks = ctx.networks.all();
  return ctx.ports.all().flatMap((p) => {
    const att = atts.get(p.attachmentId);
    const network = networks.find((n) => n.bridge === att?.hostTarget);
    return att && network ? [view(p, att, network)] : [];
  });
}

function view(p: PortRecord, att: AttachmentRecord, network: NetworkRecord): PortView {
  return {
    guest: att.guest, interface: att.ctrIf, network: network.name, protocol: p.protocol,
    hostIp: p.hostIp, hostPort: p.hostPort, containerIp: p.containerIp, containerPort: p.containerPort,
  };
}
