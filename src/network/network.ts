/**
 * network — bridge networks, docker's `network create/rm` equivalent: a bridge with the
 * gateway address on a subnet that collides with nothing on the host (--subnet auto picks
 * the lowest free block of Docker's local pools; an explicit subnet that overlaps a host
 * route, address or another network is refused, naming it), optionally dual-stack (--ipv6:
 * --subnet6 or a /64 of the root's ULA /48), with forwarding on. Attaching to a network takes
 * the next free address(es) from state. Planned with undo like attach. The firewall (NAT,
 * isolation) goes through the state root's FirewallBackend (nat/firewall.ts).
 */
import { TsnetError, invalid } from '../core/errors.js';
import { shortHash, validateIfName } from '../core/names.js';
import { applyPlan, Plan, type PlanStep } from '../core/plan.js';
import { networkObject, runIntent, type Intent } from '../core/intent.js';
import { contains, formatCidr, formatIp, mask, network as networkOfCidr, parseCidr, parseIp } from '../ipam/cidr.js';
import { checkExplicitSubnet, selectSubnet, type HostObstacles } from '../ipam/select-subnet.js';
import { ulaPool, type Pool } from '../ipam/pools.js';
import { loadConfig } from '../state/config.js';
import { defaultRouteMtu, ensureBridge } from '../bridge/bridge.js';
import type { EngineContext } from '../engine/context.js';
import type { NetworkRecord } from '../state/networks.js';
import { hostObstacles } from './host-obstacles.js';
import { networkFirewall as firewallOf, type FirewallBackend } from '../nat/firewall.js';
import type { LinkOps } from '../netlink/linkops.js';
import { checkServerSpec, serverConfig, type DhcpServerSpec } from '../dhcp/server-config.js';
import { ensureKeeper } from '../dhcp/supervise.js';
import { ownerAlive } from '../core/owner.js';
import { validateNetworkName } from './network-name.js';

export interface NetworkSpec {
  name: string;
  /** "auto" (default) or a CIDR. */
  subnet?: string | undefined;
  gateway?: string | undefined;
  ipRange?: string | undefined;
  /** Dual stack: an IPv6 subnet too (--subnet6, or a /64 of the root's ULA /48). */
  ipv6?: boolean | undefined;
  /** "auto" (default with --ipv6) or an IPv6 CIDR. */
  subnet6?: string | undefined;
  gateway6?: string | undefined;
  /** Bridge interface name; default br-<12 hex> derived from the root and the name. */
  bridge?: string | undefined;
  mtu?: number | undefined;
  internal?: boolean | undefined;
  /** Default true; false isolates the members' bridge ports from each other (Docker's --icc=false). */
  icc?: boolean | undefined;
  /** Default true: MASQUERADE traffic leaving the network. */
  ipMasq?: boolean | undefined;
  /** Default true: install firewall chains (Docker's --iptables). */
  firewall?: boolean | undefined;
  /** Default true: turn on net.ipv4.ip_forward (Docker's --ip-forward). */
  ipForward?: boolean | undefined;
  /** The bridge must exist already (Docker's -b); its IPv4 address, if any, gives subnet and gateway. */
  existingBridge?: boolean | undefined;
  /** --dhcp-server: run tsnet's DHCP server on the bridge. */
  dhcpServer?: DhcpServerSpec | undefined;
}

export { validateNetworkName };

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
  if (spec.dhcpServer) checkServerSpec(spec.dhcpServer);
  if ((spec.gateway !== undefined || spec.ipRange !== undefined) && (spec.subnet === undefined || spec.subnet === 'auto') && !spec.existingBridge) {
    throw invalid('--gateway and --ip-range need an explicit --subnet');
  }
  if (spec.subnet !== undefined && spec.subnet !== 'auto' && parseCidr(spec.subnet).family !== 4) {
    throw invalid(`subnet "${spec.subnet}" is not IPv4; give IPv6 subnets with --ipv6 --subnet6`);
  }
  if (!spec.ipv6 && (spec.subnet6 !== undefined || spec.gateway6 !== undefined)) throw invalid('--subnet6 and --gateway6 need --ipv6');
  if (spec.subnet6 !== undefined && spec.subnet6 !== 'auto' && parseCidr(spec.subnet6, 'IPv6 subnet').family !== 6) {
    throw invalid(`--subnet6 "${spec.subnet6}" is not an IPv6 subnet`);
  }
  if (spec.gateway6 !== undefined && (spec.subnet6 === undefined || spec.subnet6 === 'auto')) throw invalid('--gateway6 needs an explicit --subnet6');
}

/**
 * poolsFor — per family, the pools of the root's config.json (default-address-pools) when it
 * has any of that family, else the defaults: Docker's local pools, and this root's ULA /48.
 */
function poolsFor(ctx: EngineContext): Record<4 | 6, Pool[] | undefined> {
  const configured = loadConfig(ctx.root).defaultAddressPools ?? [];
  const of = (family: 4 | 6): Pool[] => configured.filter((p) => parseCidr(p.base).family === family);
  return { 4: of(4).length > 0 ? of(4) : undefined, 6: of(6).length > 0 ? of(6) : [ulaPool(ctx.rootId)] };
}

/** chooseSubnet — an explicit subnet checked against everything in the way, or the lowest free block of the pools. */
function chooseSubnet(wanted: string | undefined, obstacles: HostObstacles, family: 4 | 6, pools?: Pool[]): string {
  if (wanted !== undefined && wanted !== 'auto') return checkExplicitSubnet(wanted, obstacles, { what: family === 6 ? 'IPv6 subnet' : 'subnet' });
  return selectSubnet({ ...obstacles, family, pools }).subnet;
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

/**
 * NetworkChoice — every value a create decides: what `network create --dry-run` and
 * `init --dry-run` name (JSON kind "network plan", with dryRun and steps), and what the real
 * create then records. firewall: whether it installs firewall rules (as the network kind says),
 * firewallBackend: whose (null with --iptables=false).
 */
export interface NetworkChoice extends Pick<NetworkRecord,
  'name' | 'bridge' | 'subnet' | 'gateway' | 'ipRange' | 'subnet6' | 'gateway6' | 'mtu' | 'internal' | 'icc' | 'ipMasq' | 'firewall'> {
  /** The bridge is there already (-b, or --bridge of an existing bridge): used, not created. */
  bridgeExists: boolean;
  firewallBackend: string | null;
  /** Whether the create turns on forwarding; null when not known (an existing network's). */
  ipForward: boolean | null;
  dhcpServer: { rangeStart: string; rangeEnd: string; leaseSeconds: number; dns: string[] } | null;
}

/** networkChoiceOf — an existing network as a choice (init --dry-run of a tsnet0 that is there); ipForward is not recorded. */
export function networkChoiceOf(n: NetworkRecord, firewallBackend: string): NetworkChoice {
  return {
    name: n.name, bridge: n.bridge, bridgeExists: true, subnet: n.subnet, gateway: n.gateway, ipRange: n.ipRange, subnet6: n.subnet6, gateway6: n.gateway6,
    mtu: n.mtu, internal: n.internal, icc: n.icc, ipMasq: n.ipMasq, firewall: n.firewall, firewallBackend: n.firewall ? firewallBackend : null, ipForward: null, dhcpServer: null,
  };
}

/** PlannedNetwork — a dry run's answer: the choice and the steps the real run would take. */
export type PlannedNetwork = NetworkChoice & { dryRun: true; steps: PlanStep[] };

/** The smallest MTU IPv6 works with (RFC 8200); the kernel refuses IPv6 addresses below it. */
export const IPV6_MIN_MTU = 1280;

/**
 * createNetwork — validates, then holds the host lock from the first look at the host to the
 * last change: the subnet, the bridge and the firewall are host-wide, so what to create is
 * decided from what the host has while no other tsnet changes it. One path for both runs:
 * planNetwork checks everything and chooses every value; a dry run returns that plan, the
 * real run applies it.
 */
export async function createNetwork(ctx: EngineContext, spec: NetworkSpec, opts: { dryRun?: boolean | undefined } = {}): Promise<{ network?: NetworkRecord; planned?: PlannedNetwork }> {
  validateSpec(spec);
  const dryRun = opts.dryRun ?? false;
  return ctx.hostLock.withLock(`create network ${spec.name}`, async () => {
    // What a killed create or rm of this name left is undone or finished first (a dry run only looks).
    if (!dryRun) await ctx.settle(networkObject(spec.name));
    const p = await planNetwork(ctx, spec, dryRun);
    if (dryRun) return { planned: { dryRun: true as const, ...p.choice, steps: p.plan.toJson() } };
    await runIntent(ctx, { op: 'network-create', object: networkObject(spec.name), data: p.intentData }, (i) => applyPlan(p.plan, { intent: p.bind(i) }));
    return { network: ctx.networks.get(spec.name) };
  });
}

/**
 * heldSubnets — the subnets (both families) the root's networks hold, as obstacles. With
 * each network's bridge: that bridge's own route and address are the network, named once.
 */
function heldSubnets(taken: Array<{ name: string; bridge: string; subnet: string | null }>): Array<{ cidr: string; name: string; bridge: string }> {
  return taken.flatMap((h) => (h.subnet ? [{ cidr: h.subnet, name: h.name, bridge: h.bridge }] : []));
}

/**
 * planNetwork — every check of a create and every value it chooses (subnets, gateways,
 * bridge, MTU, firewall backend, DHCP range), then the steps that make it. Reads the host
 * and state, changes nothing.
 */
async function planNetwork(ctx: EngineContext, spec: NetworkSpec, dryRun: boolean): Promise<{ choice: NetworkChoice; plan: Plan; intentData: Record<string, unknown>; bind: (i: Intent) => Intent }> {
  if (ctx.networks.get(spec.name)) throw new TsnetError('ECONFLICT', `a network named ${spec.name} already exists`);
  const host = await ctx.hostLinks();
  const bridge = spec.bridge ?? networkBridgeName(ctx.rootId, spec.name);
  const owner = ctx.networks.byBridge(bridge);
  if (owner) throw new TsnetError('ECONFLICT', `bridge ${bridge} already belongs to network ${owner.name}; give another --bridge`);
  const existing = await host.getLink(bridge);
  if (existing && existing.kind !== 'bridge') throw new TsnetError('ECONFLICT', `${bridge} exists and is not a bridge`);
  if (spec.existingBridge && !existing) throw new TsnetError('ENOTFOUND', `bridge ${bridge} (-b) does not exist; create it first or leave -b out`);
  if (spec.existingBridge && spec.subnet === undefined) {
    // Docker's -b: the bridge's own address is the gateway, its subnet the network's.
    const own = (await host.listAddrs(bridge)).find((a) => a.family === 4);
    if (own) spec = { ...spec, subnet: formatCidr(networkOfCidr(parseCidr(own.cidr))), gateway: own.cidr.split('/')[0] };
  }
  if (spec.ipRange !== undefined && (spec.subnet === undefined || spec.subnet === 'auto')) {
    throw invalid('--ip-range (--fixed-cidr) needs a known subnet: give --subnet (--bip), or -b with an address');
  }
  // The network's own bridge (and its routes and address) is not in its own way.
  const pools = poolsFor(ctx);
  const held = heldSubnets(ctx.networks.all().flatMap((n) => [{ name: n.name, bridge: n.bridge, subnet: n.subnet }, { name: n.name, bridge: n.bridge, subnet: n.subnet6 }]));
  const obstacles = await hostObstacles(host, bridge);
  const subnet = chooseSubnet(spec.subnet, { ...obstacles, held }, 4, pools[4]);
  const gateway = gatewayFor(subnet, spec.gateway);
  if (spec.ipRange !== undefined) {
    const r = parseCidr(spec.ipRange, 'ip range');
    const s = parseCidr(subnet, 'subnet');
    if (r.family !== s.family || r.prefix < s.prefix || !contains(s, r.family, r.addr)) throw invalid(`ip range "${spec.ipRange}" is not inside subnet ${subnet}`);
  }
  const subnet6 = spec.ipv6 ? chooseSubnet(spec.subnet6, { ...(await hostObstacles(host, bridge, 6)), held }, 6, pools[6]) : null;
  const gateway6 = subnet6 && gatewayFor(subnet6, spec.gateway6);
  const mtu = spec.mtu ?? (await defaultRouteMtu(host));
  // An existing bridge keeps its own MTU; the kernel turns IPv6 off on a link below 1280.
  const linkMtu = existing?.mtu ?? mtu;
  if (spec.ipv6 && linkMtu < IPV6_MIN_MTU) {
    const whose = existing ? `bridge ${bridge} has MTU ${linkMtu}` : `MTU ${linkMtu}${spec.mtu === undefined ? " (that of the default route's interface)" : ''}`;
    throw invalid(`IPv6 needs an MTU of at least ${IPV6_MIN_MTU}; ${whose} is below it: give --mtu ${IPV6_MIN_MTU} or more, or leave --ipv6 out`);
  }
  const dhcp = spec.dhcpServer ? serverConfig(spec.dhcpServer, subnet, gateway, mtu) : undefined;
  const fw = spec.firewall === false ? undefined : await ctx.firewall({ dryRun });
  const choice: NetworkChoice = {
    name: spec.name, bridge, bridgeExists: existing !== undefined, subnet, gateway, ipRange: spec.ipRange ?? null, subnet6, gateway6, mtu,
    internal: spec.internal ?? false, icc: spec.icc ?? true, ipMasq: spec.ipMasq ?? true, firewall: fw !== undefined, firewallBackend: fw?.name ?? null, ipForward: spec.ipForward !== false,
    dhcpServer: dhcp ? { rangeStart: dhcp.rangeStart, rangeEnd: dhcp.rangeEnd, leaseSeconds: dhcp.leaseSecs, dns: dhcp.dns } : null,
  };
  let record: NetworkRecord | undefined;
  let intent: Intent | undefined;
  /** note — facts the resolver of an interrupted create needs (the sysctls' old values). */
  const note = (facts: Record<string, unknown>): void => { intent?.note(facts); };
  let created = false;
  let gatewayAdded = true;
  const v4Cidr = `${gateway}/${subnet.split('/')[1]}`;
  const v6Cidr = subnet6 && `${gateway6}/${subnet6.split('/')[1]}`;
  const plan = new Plan()
    .add({
      name: 'record',
      describe: `record network ${spec.name}: subnet ${subnet}, gateway ${gateway}${subnet6 ? `, IPv6 subnet ${subnet6}, gateway ${gateway6}` : ''}${spec.ipRange ? `, addresses from ${spec.ipRange}` : ''}`,
      apply: () => {
        record = ctx.networks.create((taken) => {
          // Chosen above under the host lock; checked again in the insert's own transaction.
          const now = heldSubnets(taken);
          checkExplicitSubnet(subnet, { held: now });
          if (subnet6) checkExplicitSubnet(subnet6, { held: now }, { what: 'IPv6 subnet' });
          return {
            name: spec.name, bridge, subnet, gateway, ipRange: choice.ipRange, subnet6, gateway6, mtu,
            bridgeCreated: false, internal: choice.internal, ipMasq: choice.ipMasq, icc: choice.icc, firewall: spec.firewall ?? true,
          };
        });
      },
      undo: () => ctx.networks.remove(spec.name),
    })
    .add({
      name: 'create-bridge',
      describe: existing ? `use the existing bridge ${bridge} (mtu ${existing.mtu}) and bring it up` : `create bridge ${bridge} (mtu ${mtu}) and bring it up`,
      apply: async () => {
        created = await ensureBridge(host, bridge, mtu);
        ctx.networks.setBridgeCreated(spec.name, created);
      },
      undo: async () => { if (created) await host.deleteLink(bridge); },
    })
    .add({
      name: 'gateway-address',
      describe: `give ${bridge} the gateway address ${v4Cidr}`,
      apply: async () => {
        const has = (await host.listAddrs(bridge)).some((a) => a.cidr === gatewayCidr(record!));
        if (has) ctx.networks.setGatewayAdded(spec.name, (gatewayAdded = false));
        else await host.addAddr(bridge, gatewayCidr(record!));
      },
      undo: async () => { if (gatewayAdded) await host.delAddr(bridge, gatewayCidr(record!)); },
    });
  if (v6Cidr) plan.add({
    name: 'gateway-address6',
    describe: `give ${bridge} the IPv6 gateway address ${v6Cidr}`,
    // nodad: guests can route through it the moment attach returns.
    apply: () => host.addAddr(bridge, gateway6Cidr(record!)!, { noDad: true }),
    undo: () => host.delAddr(bridge, gateway6Cidr(record!)!),
  });
  const alone = (): boolean => ctx.networks.all().every((n) => n.name === spec.name);
  addFirewall(plan, host, () => record!, spec, fw, alone, note);
  if (dhcp) plan.add({
    name: 'dhcp-server',
    describe: `run a DHCP server on ${bridge} for ${dhcp.rangeStart}-${dhcp.rangeEnd}, leases of ${dhcp.leaseSecs}s (in the lease keeper)`,
    apply: () => {
      ctx.dhcpServers.set(record!.id, dhcp);
      ensureKeeper(ctx, true);
    },
  });
  // A -b bridge's own addresses are never the resolver's to take away.
  const addrsBefore = existing && !dryRun ? (await host.listAddrs(bridge)).map((a) => a.cidr) : [];
  const intentData = { label: `network ${spec.name}`, name: spec.name, bridge, bridgeExisted: existing !== undefined, addrsBefore };
  return { choice, plan, intentData, bind: (i) => (intent = i) };
}

/**
 * addFirewall — forwarding on (a network routes by definition), then the network's chains:
 * replies in, members to each other, out to anywhere unless internal, MASQUERADE unless
 * --ip-masq=false. Undo removes exactly those chains (and the host-wide ones, for the first network).
 */
function addFirewall(plan: Plan, host: LinkOps, record: () => NetworkRecord, spec: NetworkSpec, fw: FirewallBackend | undefined, alone: () => boolean, note: Note): void {
  if (spec.ipForward !== false) addSysctl(plan, host, 'ip-forward', () => 'net.ipv4.ip_forward', 'turn on IPv4 forwarding', note);
  if (spec.ipv6 && spec.ipForward !== false) addSysctl(plan, host, 'ip6-forward', () => 'net.ipv6.conf.all.forwarding', 'turn on IPv6 forwarding', note);
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
  if (!spec.internal) addSysctl(plan, host, 'route-localnet', () => routeLocalnetKey(record().bridge), 'let published ports answer on 127.0.0.1 (route_localnet on the bridge)', note);
}

/** routeLocalnetKey — slash form: bridge names may contain dots. */
export function routeLocalnetKey(bridge: string): string {
  return `net/ipv4/conf/${bridge}/route_localnet`;
}

type Note = (facts: Record<string, unknown>) => void;

/** sysctlNote — where an interrupted create finds a sysctl's value from before it (network/resolve.ts). */
export const sysctlNote = (key: string): string => `sysctl ${key}`;

/** addSysctl — sets a sysctl to 1; undo puts back what was there (so does an interrupted create's resolver). */
function addSysctl(plan: Plan, host: LinkOps, name: string, key: () => string, what: string, note: Note): void {
  let before = '1';
  plan.add({
    name,
    describe: what,
    apply: async () => {
      before = await host.readSysctl(key());
      note({ [sysctlNote(key())]: before });
      await host.setSysctl(key(), '1');
    },
    undo: () => host.setSysctl(key(), before),
  });
}

function gatewayCidr(n: NetworkRecord): string {
  return `${n.gateway}/${n.subnet.split('/')[1]}`;
}

function gateway6Cidr(n: NetworkRecord): string | undefined {
  return n.subnet6 && n.gateway6 ? `${n.gateway6}/${n.subnet6.split('/')[1]}` : undefined;
}

/** gatewayCidrs — the addresses tsnet gave the network's bridge (none of -b's own). */
export function gatewayCidrs(n: NetworkRecord): string[] {
  const v6 = gateway6Cidr(n);
  return [...(n.gatewayAdded ? [gatewayCidr(n)] : []), ...(v6 ? [v6] : [])];
}
