/**
 * network — bridge networks, docker's `network create/rm` equivalent: a bridge with the
 * gateway address on a subnet that collides with nothing on the host (--subnet auto picks
 * the lowest free block of Docker's local pools; an explicit subnet that overlaps a host
 * route, address or another network is refused, naming it). Attaching to a network takes
 * the next free address from state. Planned with undo like attach. The firewall (NAT,
 * isolation) goes through the state root's FirewallBackend (nat/backend.ts).
 */
import { TsnetError, invalid } from '../core/errors.js';
import { shortHash, validateIfName } from '../core/names.js';
import { applyPlan, Plan } from '../core/plan.js';
import { contains, formatCidr, formatIp, mask, network as networkOfCidr, parseCidr, parseIp } from '../ipam/cidr.js';
import { checkExplicitSubnet, selectSubnet } from '../ipam/select-subnet.js';
import { defaultRouteMtu, ensureBridge } from '../bridge/bridge.js';
import type { EngineContext } from '../attach/context.js';
import type { NetworkRecord } from '../state/networks.js';
import { attachmentView, type AttachmentView } from '../attach/view.js';
import { hostObstacles } from './host-obstacles.js';
import { networkFirewall as firewallOf, type FirewallBackend } from '../nat/backend.js';
import type { LinkOps } from '../netlink/linkops.js';

export interface NetworkSpec {
  name: string;
  /** "auto" (default) or a CIDR. */
  subnet?: string | undefined;
  gateway?: string | undefined;
  ipRange?: string | undefined;
  /** Bridge interface name; default br-<12 hex> derived from the root and the name. */
  bridge?: string | undefined;
  mtu?: number | undefined;
  internal?: boolean | undefined;
  /** Default true: MASQUERADE traffic leaving the network. */
  ipMasq?: boolean | undefined;
  /** Default true: install firewall chains (Docker's --iptables). */
  firewall?: boolean | undefined;
  /** Default true: turn on net.ipv4.ip_forward (Docker's --ip-forward). */
  ipForward?: boolean | undefined;
  /** The bridge must exist already (Docker's -b); its IPv4 address, if any, gives subnet and gateway. */
  existingBridge?: boolean | undefined;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** validateNetworkName — like Docker's: a letter or digit, then letters, digits, _ . - */
export function validateNetworkName(name: string): string {
  if (!NAME_RE.test(name)) throw invalid(`network name "${name}" must start with a letter or digit and use only letters, digits and _.- (at most 63)`);
  return name;
}

/** networkBridgeName — br-<12 hex>, deterministic per root and name (Docker: br-<id>). */
export function networkBridgeName(rootId: string, name: string): string {
  return `br-${shortHash(['network', rootId, name], 12)}`;
}

/** validateSpec — every flag checked before anything is asked of the kernel. */
function validateSpec(spec: NetworkSpec): void {
  validateNetworkName(spec.name);
  if (spec.bridge !== undefined) validateIfName(spec.bridge, 'bridge (--bridge)');
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 68 || spec.mtu > 65535)) throw invalid(`MTU "${spec.mtu}" must be a number from 68 to 65535`);
  if (spec.subnet !== undefined && spec.subnet !== 'auto') parseCidr(spec.subnet, 'subnet');
  if (spec.gateway !== undefined) parseIp(spec.gateway, 'gateway');
  if (spec.ipRange !== undefined) parseCidr(spec.ipRange, 'ip range');
  if ((spec.gateway !== undefined || spec.ipRange !== undefined) && (spec.subnet === undefined || spec.subnet === 'auto') && !spec.existingBridge) {
    throw invalid('--gateway and --ip-range need an explicit --subnet');
  }
}

/** gatewayFor — the given gateway (inside the subnet, not its network/broadcast) or the first host address. */
export function gatewayFor(subnet: string, gateway?: string): string {
  const s = parseCidr(subnet);
  const net = s.addr & mask(s);
  if (gateway === undefined) return formatIp(s.family, net + 1n);
  const g = parseIp(gateway, 'gateway');
  const broadcast = net | ((1n << BigInt((s.family === 4 ? 32 : 128) - s.prefix)) - 1n);
  if (!contains(s, g.family, g.addr) || g.addr === net || (s.family === 4 && g.addr === broadcast)) {
    throw invalid(`gateway "${gateway}" is not a usable address of ${subnet}`);
  }
  return formatIp(g.family, g.addr);
}

export async function createNetwork(ctx: EngineContext, spec: NetworkSpec, opts: { dryRun?: boolean } = {}): Promise<{ network?: NetworkRecord; plan?: string[] }> {
  validateSpec(spec);
  if (ctx.networks.get(spec.name)) throw new TsnetError('ECONFLICT', `a network named ${spec.name} already exists`);
  const host = await ctx.hostLinks();
  const bridge = spec.bridge ?? networkBridgeName(ctx.rootId, spec.name);
  const existing = await host.getLink(bridge);
  if (existing && existing.kind !== 'bridge') throw new TsnetError('ECONFLICT', `${bridge} exists and is not a bridge`);
  if (spec.existingBridge && !existing) throw new TsnetError('ENOTFOUND', `bridge ${bridge} (-b) does not exist; create it first or leave -b out`);
  if (spec.existingBridge && spec.subnet === undefined) {
    // Docker's -b: the bridge's own address is the gateway, its subnet the network's.
    const own = (await host.listAddrs(bridge)).find((a) => a.family === 4);
    if (own) spec = { ...spec, subnet: formatCidr(networkOfCidr(parseCidr(own.cidr))), gateway: own.cidr.split('/')[0] };
  }
  if (spec.ipRange !== undefined) {
    if (spec.subnet === undefined || spec.subnet === 'auto') throw invalid('--ip-range (--fixed-cidr) needs a known subnet: give --subnet (--bip), or -b with an address');
    const r = parseCidr(spec.ipRange, 'ip range');
    const s = parseCidr(spec.subnet, 'subnet');
    if (r.family !== s.family || r.prefix < s.prefix || !contains(s, r.family, r.addr)) throw invalid(`ip range "${spec.ipRange}" is not inside subnet ${spec.subnet}`);
  }
  // The network's own bridge (and its routes and address) is not in its own way.
  const obstacles = await hostObstacles(host, bridge);
  const mtu = spec.mtu ?? (await defaultRouteMtu(host));
  let record: NetworkRecord | undefined;
  let created = false;
  let gatewayAdded = true;
  const plan = new Plan()
    .add({
      name: 'record',
      describe: `reserve network ${spec.name} (subnet ${spec.subnet ?? 'auto'}) on ${bridge}`,
      apply: () => {
        record = ctx.networks.create((held) => {
          const all = { ...obstacles, held: held.map((h) => ({ cidr: h.subnet, name: `tsnet network ${h.name}` })) };
          const subnet = spec.subnet === undefined || spec.subnet === 'auto' ? selectSubnet(all).subnet : checkExplicitSubnet(spec.subnet, all);
          return {
            name: spec.name, bridge, subnet, gateway: gatewayFor(subnet, spec.gateway), ipRange: spec.ipRange ?? null, mtu,
            bridgeCreated: false, internal: spec.internal ?? false, ipMasq: spec.ipMasq ?? true, firewall: spec.firewall ?? true,
          };
        });
      },
      undo: () => ctx.networks.remove(spec.name),
    })
    .add({
      name: 'create-bridge',
      describe: `create bridge ${bridge} (mtu ${mtu}) and bring it up`,
      apply: async () => {
        created = await ensureBridge(host, bridge, mtu);
        ctx.networks.setBridgeCreated(spec.name, created);
      },
      undo: async () => { if (created) await host.deleteLink(bridge); },
    })
    .add({
      name: 'gateway-address',
      describe: `give ${bridge} the network's gateway address`,
      apply: async () => {
        const has = (await host.listAddrs(bridge)).some((a) => a.cidr === gatewayCidr(record!));
        if (has) ctx.networks.setGatewayAdded(spec.name, (gatewayAdded = false));
        else await host.addAddr(bridge, gatewayCidr(record!));
      },
      undo: async () => { if (gatewayAdded) await host.delAddr(bridge, gatewayCidr(record!)); },
    });
  const alone = (): boolean => ctx.networks.all().every((n) => n.name === spec.name);
  addFirewall(plan, host, () => record!, spec, spec.firewall === false ? undefined : await ctx.firewall({ dryRun: opts.dryRun }), alone);
  if (opts.dryRun) return { plan: plan.describe() };
  await applyPlan(plan);
  return { network: ctx.networks.get(spec.name) };
}

/**
 * addFirewall — forwarding on (a network routes by definition), then the network's chains:
 * replies in, members to each other, out to anywhere unless internal, MASQUERADE unless
 * --ip-masq=false. Undo removes exactly those chains (and the host-wide ones, for the first network).
 */
function addFirewall(plan: Plan, host: LinkOps, record: () => NetworkRecord, spec: NetworkSpec, fw: FirewallBackend | undefined, alone: () => boolean): void {
  let forwarding = '1';
  if (spec.ipForward !== false) plan.add({
    name: 'ip-forward',
    describe: 'turn on IPv4 forwarding (net.ipv4.ip_forward=1)',
    apply: async () => {
      forwarding = await host.readSysctl('net.ipv4.ip_forward');
      await host.setSysctl('net.ipv4.ip_forward', '1');
    },
    undo: () => host.setSysctl('net.ipv4.ip_forward', forwarding),
  });
  if (fw === undefined || fw.name === 'none') return;
  plan.add({
    name: 'firewall',
    describe: `install the ${fw.name} firewall rules of ${spec.name}${spec.internal ? ' (internal: no traffic in or out)' : ''}${spec.ipMasq === false ? ' without MASQUERADE' : ''}`,
    apply: () => fw.installNetwork(firewallOf(record())),
    undo: async () => {
      await fw.uninstallNetwork(firewallOf(record()));
      if (alone()) await fw.uninstallBase(); // the first network takes the host-wide chains with it
    },
  });
  // Published ports from 127.0.0.1: loopback sources may leave through the bridge (the
  // firewall masquerades them and keeps guests away from the host's loopback services).
  const localnet = () => `net/ipv4/conf/${record().bridge}/route_localnet`;
  let before = '0';
  if (!spec.internal) plan.add({
    name: 'route-localnet',
    describe: 'let published ports answer on 127.0.0.1 (route_localnet on the bridge)',
    apply: async () => {
      before = await host.readSysctl(localnet());
      await host.setSysctl(localnet(), '1');
    },
    undo: () => host.setSysctl(localnet(), before),
  });
}

function gatewayCidr(n: NetworkRecord): string {
  return `${n.gateway}/${n.subnet.split('/')[1]}`;
}

/** removeNetwork — refuses while attachments use it; removes its bridge (if tsnet made it) or its gateway address. */
export async function removeNetwork(ctx: EngineContext, name: string): Promise<NetworkRecord> {
  validateNetworkName(name);
  const n = ctx.networks.get(name);
  if (!n) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
  const users = ctx.attachments.all().filter((a) => a.hostTarget === n.bridge);
  if (users.length > 0) {
    throw new TsnetError('ECONFLICT', `network ${name} is in use by ${users.slice(0, 3).map((u) => `${u.guest} ${u.ctrIf}`).join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''}; detach them first`);
  }
  const host = await ctx.hostLinks();
  const fw = await ctx.firewall();
  if (n.firewall) await fw.uninstallNetwork(firewallOf(n));
  if (n.bridgeCreated) await host.deleteLink(n.bridge);
  else if (n.gatewayAdded) await host.delAddr(n.bridge, gatewayCidr(n));
  ctx.networks.remove(name);
  if (ctx.networks.all().length === 0) await fw.uninstallBase();
  return n;
}

/** inspectNetwork — the network and the attachments on its bridge. */
export function inspectNetwork(ctx: EngineContext, name: string): { network: NetworkRecord; attachments: AttachmentView[] } {
  validateNetworkName(name);
  const network = ctx.networks.get(name);
  if (!network) throw new TsnetError('ENOTFOUND', `no network named ${name} (see tsnet network ls)`);
  return { network, attachments: ctx.attachments.all().filter((a) => a.hostTarget === network.bridge).map(attachmentView) };
}
