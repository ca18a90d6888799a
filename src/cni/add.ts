/**
 * add — CNI ADD: the container's interface on the tsnet network the config names, made by
 * tsnet's attach (veth, address from the network's allocator or the delegated IPAM plugin,
 * default route via the gateway), then the config's extras: IPAM routes, hairpin mode, the
 * bandwidth, mac and ips capabilities, published ports (portMappings, through tsnet's
 * publishing, so no chained portmap is needed). Everything is one plan under an intent
 * record: a failure unwinds every step (the delegated IPAM address included), and a
 * process killed mid-way leaves a record that the next call on it or `tsnet gc` undoes.
 */
import { attach } from '../attach/attach.js';
import type { AttachRequest, StaticAddress } from '../attach/spec.js';
import { runIntent, type Intent } from '../core/intent.js';
import { requireVlan } from '../attach/vlan.js';
import { TsnetError } from '../core/errors.js';
import { applyPlan, Plan } from '../core/plan.js';
import type { EngineContext } from '../engine/context.js';
import { contains, formatCidr, network as networkOfCidr, parseCidr, parseIp } from '../ipam/cidr.js';
import type { LinkOps } from '../netlink/linkops.js';
import { publishPorts } from '../network/ports.js';
import type { AttachmentRecord } from '../state/attachments.js';
import type { NetworkRecord } from '../state/networks.js';
import { applyBandwidth } from './bandwidth.js';
import { intentData, ownerOfCall, type CniCall } from './call.js';
import { normaliseMac, type CniRouteSpec } from './config.js';
import { delegate } from './delegate.js';
import { CNI_CODE, CniError } from './errors.js';
import { openNetns } from './netns.js';
import { ensureNetwork, existingNetwork, type Wanted } from './network.js';
import { cniGuestRef, cniObject, cniRecords, removeCniRecord } from '../network/cni-records.js';
import type { CniInterface, CniIp, CniResult, CniRoute } from './version.js';

const DEFAULT4 = '0.0.0.0/0';
/** Default routes: attach sets them (via the network's gateways), so IPAM routes never add them again. */
const isDefault = (dst: string): boolean => dst === DEFAULT4 || dst === '::/0';

export async function cniAdd(ctx: EngineContext, call: CniCall): Promise<CniResult> {
  const { env, conf } = call;
  const owner = ownerOfCall(call);
  const guest = openNetns(env.netns, call.procEnv);
  try {
    await ctx.settle(cniObject(owner));
    const inGuest = await ctx.guestLinks(guest);
    try {
      const mine = cniRecords(ctx, conf.network, owner);
      // A record from an earlier netns of this id (a DEL the runtime never sent) goes first.
      for (const stale of mine.filter((r) => r.netnsId !== guest.netnsId)) await removeCniRecord(ctx, stale);
      const again = mine.find((r) => r.netnsId === guest.netnsId);
      if (!again && (await inGuest.getLink(env.ifname))) {
        throw new CniError(CNI_CODE.invalidEnv, 'invalid environment variables', `CNI_IFNAME ${JSON.stringify(env.ifname)} already exists in netns ${env.netns}`);
      }
      const staticIps = [...conf.ips, ...(env.args['IP'] ? env.args['IP'].split(',') : [])];
      for (const ip of staticIps) checkIp(ip, staticSubnets(ctx, call));
      // Refused before the network is made: this kernel may lack bridge VLAN filtering.
      if (conf.vlan !== undefined) await vlanCheck(conf.vlan);
      const mac = conf.mac ?? (env.args['MAC'] ? normaliseMac(env.args['MAC'], 'CNI_ARGS MAC') : undefined);
      let ipam: CniResult | undefined;
      let network!: NetworkRecord;
      const plan = new Plan();
      if (conf.ipam.kind === 'delegate') {
        const type = conf.ipam.type;
        plan.add({
          name: 'ipam',
          describe: `get an address from IPAM plugin ${type}`,
          apply: async () => { ipam = await delegate(type, 'ADD', env, call.procEnv, call.stdin, call.stderr); },
          undo: async () => { await delegate(type, 'DEL', env, call.procEnv, call.stdin, call.stderr); },
        });
      }
      plan.add({
        name: 'network',
        describe: `tsnet network ${conf.network} (made on first use)`,
        apply: async () => { network = await ensureNetwork(ctx, conf, wantedNetwork(call, ipam)); },
      });
      let recorder: Intent | undefined;
      plan.add({
        name: 'attach',
        describe: `attach ${env.ifname} of ${env.netns} to network ${conf.network}`,
        apply: async () => { await attach(ctx, attachRequest(call, network, ipam, staticIps, mac), { intent: recorder, opened: { guest, links: inGuest } }); },
        undo: async () => { for (const r of cniRecords(ctx, conf.network, owner)) await removeCniRecord(ctx, r, env.netns); },
      });
      const routes = extraRoutes(call, ipam);
      plan.add({
        name: 'routes',
        describe: 'add the IPAM routes in the container',
        apply: async () => {
          for (const r of routes()) await inGuest.replaceRoute({ family: parseCidr(r.dst).family, dst: r.dst, gateway: r.gw ?? gatewayOf(network, ipam, r.dst), dev: env.ifname });
        },
      });
      const host = await ctx.hostLinks();
      const record = (): AttachmentRecord => {
        const r = cniRecords(ctx, conf.network, owner)[0];
        if (!r) throw new CniError(CNI_CODE.internal, 'tsnet internal error', `the attachment of ${env.ifname} vanished from state during ADD`);
        return r;
      };
      if (conf.hairpinMode) plan.add({
        name: 'hairpin', describe: 'hairpin mode on the bridge port',
        apply: () => host.setLink(record().hostIf, { bridgePort: { hairpin: true } }),
      });
      if (conf.bandwidth) {
        const bw = conf.bandwidth;
        plan.add({ name: 'bandwidth', describe: 'shape ingress and egress (tbf)', apply: () => applyBandwidth(record().hostIf, env.ifname, env.netns, bw) });
      }
      if (conf.portMappings.length > 0 && !(again && ctx.ports.forAttachment(again.id).length > 0)) {
        const specs = conf.portMappings.map((m) => `${m.hostIP && m.hostIP !== '0.0.0.0' ? `${m.hostIP}:` : ''}${m.hostPort}:${m.containerPort}/${m.protocol}`);
        plan.add({ name: 'ports', describe: `publish ${specs.join(' ')}`, apply: async () => { await publishPorts(ctx, cniGuestRef(env.netns), specs, { ctrIf: env.ifname }); } });
      }
      await runIntent(ctx, { op: 'cni-add', object: cniObject(owner), data: intentData(call, 'ADD') }, (intent) => {
        recorder = intent; // attach's own steps (record, create-veth, ...) are recorded too
        return applyPlan(plan, { intent });
      });
      return await resultOf(call, host, inGuest, network, record(), ipam);
    } finally {
      inGuest.close();
    }
  } finally {
    guest.close();
  }
}

/** wantedNetwork — the subnet the network must have: the config's, or the delegated IPAM's first IPv4 address's. */
function wantedNetwork(call: CniCall, ipam: CniResult | undefined): Wanted {
  const c = call.conf.ipam;
  if (c.kind === 'tsnet') return { subnet: c.subnet, gateway: c.gateway, subnet6: c.subnet6, gateway6: c.gateway6 };
  const v4 = ipam?.ips?.find((ip) => !ip.address.includes(':'));
  if (!v4) throw new CniError(CNI_CODE.invalidConfig, 'invalid network configuration', `IPAM plugin ${c.type} gave no IPv4 address (tsnet networks are IPv4 first)`);
  return { subnet: formatCidr(networkOfCidr(parseCidr(v4.address))), gateway: v4.gateway };
}

function wantsDefault(call: CniCall, ipam: CniResult | undefined): boolean {
  const routes: CniRouteSpec[] = call.conf.ipam.kind === 'tsnet' ? call.conf.ipam.routes : (ipam?.routes ?? []);
  return call.conf.isGateway || routes.some((r) => isDefault(r.dst));
}

function gatewayOf(network: NetworkRecord, ipam: CniResult | undefined, dst = DEFAULT4): string {
  if (dst.includes(':')) return network.gateway6 ?? '';
  return ipam?.ips?.find((ip) => !ip.address.includes(':') && ip.gateway)?.gateway ?? network.gateway;
}

function attachRequest(call: CniCall, network: NetworkRecord, ipam: CniResult | undefined, staticIps: string[], mac: string | undefined): AttachRequest {
  const { env, conf } = call;
  const base = {
    hostIf: { kind: 'name' as const, name: network.name }, guest: cniGuestRef(env.netns), ctrIf: env.ifname,
    mac, vlan: conf.vlan, directPhys: false,
    cni: ownerOfCall(call),
  };
  const gateway = wantsDefault(call, ipam) ? { family: 4 as const, ip: gatewayOf(network, ipam) } : undefined;
  const fromIpam = ipam?.ips?.map((ip) => ip.address) ?? [];
  const wanted = fromIpam.length > 0 ? fromIpam : staticIps;
  if (wanted.length === 0) return { ...base, ip: { mode: 'network' }, noDefaultRoute: !gateway };
  const prefix = parseCidr(network.subnet).prefix;
  const addresses: StaticAddress[] = wanted.map((a) => {
    const cidr = a.includes('/') ? a : `${a}/${parseIp(a, 'static IP').family === 4 ? prefix : (network.subnet6?.split('/')[1] ?? '64')}`;
    return { family: parseCidr(cidr).family, cidr };
  });
  return { ...base, ip: { mode: 'static', addresses, gateway } };
}

/** extraRoutes — the routes other than the default one (which attach sets), read once the plan knows them. */
function extraRoutes(call: CniCall, ipam: CniResult | undefined): () => CniRouteSpec[] {
  return () => {
    const c = call.conf.ipam;
    const all = c.kind === 'tsnet' ? c.routes : (ipam?.routes ?? []);
    return all.filter((r) => !isDefault(r.dst));
  };
}

/** resultOf — the ADD result: prevResult's entries, then bridge, host end and container end; ips index the container end. */
async function resultOf(call: CniCall, host: LinkOps, inGuest: LinkOps, network: NetworkRecord, rec: AttachmentRecord, ipam: CniResult | undefined): Promise<CniResult> {
  const { env, conf } = call;
  const prev = conf.prevResult ?? {};
  const [bridge, hostEnd, ctrEnd] = await Promise.all([host.getLink(network.bridge), host.getLink(rec.hostIf), inGuest.getLink(env.ifname)]);
  const interfaces: CniInterface[] = [...(prev.interfaces ?? []),
    { name: network.bridge, mac: bridge?.mac }, { name: rec.hostIf, mac: hostEnd?.mac },
    { name: env.ifname, mac: ctrEnd?.mac, mtu: ctrEnd?.mtu, sandbox: env.netns }];
  const index = interfaces.length - 1;
  const ips: CniIp[] = [...(prev.ips ?? []), ...rec.addresses.map((address) => ({
    address, interface: index, gateway: address.includes(':') ? (network.gateway6 ?? undefined) : gatewayOf(network, ipam),
  }))];
  const routes: CniRoute[] = [...(prev.routes ?? [])];
  if (rec.gateway) {
    routes.push({ dst: DEFAULT4, gw: rec.gateway });
    if (network.gateway6 && rec.addresses.some((a) => a.includes(':'))) routes.push({ dst: '::/0', gw: network.gateway6 });
  }
  for (const r of extraRoutes(call, ipam)()) routes.push({ dst: r.dst, gw: r.gw ?? gatewayOf(network, ipam, r.dst) });
  const dns = hasDns(conf.dns) ? conf.dns : hasDns(ipam?.dns) ? ipam!.dns : prev.dns;
  return { interfaces, ips, routes, dns };
}

function hasDns(d: CniResult['dns']): boolean {
  return !!d && Object.values(d).some((v) => (Array.isArray(v) ? v.length > 0 : !!v));
}

/** checkIp — a static address (runtimeConfig.ips, args.cni.ips, CNI_ARGS IP=) must parse and lie in the network's subnet: code 7 naming it. */
function checkIp(ip: string, subnets: string[]): void {
  const bad = (why: string): CniError => new CniError(CNI_CODE.invalidConfig, 'invalid network configuration', `static IP ${JSON.stringify(ip)}: ${why}`);
  let a: { family: 4 | 6; addr: bigint };
  try {
    a = ip.includes('/') ? parseCidr(ip, 'static IP') : parseIp(ip, 'static IP');
  } catch (e) {
    throw bad((e as Error).message);
  }
  const same = subnets.map((x) => parseCidr(x)).filter((c) => c.family === a.family);
  if (same.length > 0 && !same.some((c) => contains(c, a.family, a.addr))) throw bad(`not in ${same.map(formatCidr).join(', ')}`);
}

/** staticSubnets — the subnets a static address must lie in, when known before anything is made. */
function staticSubnets(ctx: EngineContext, call: CniCall): string[] {
  const n = existingNetwork(ctx, call.conf);
  if (n) return [n.subnet, ...(n.subnet6 ? [n.subnet6] : [])];
  const c = call.conf.ipam;
  return c.kind === 'tsnet' ? [c.subnet, c.subnet6].filter((x): x is string => x !== undefined && x !== 'auto') : [];
}

/** vlanCheck — code 2 naming vlan when the kernel cannot tag bridge ports. */
async function vlanCheck(vlan: number): Promise<void> {
  try {
    await requireVlan('bridge-vlan-filtering', vlan, 'the container\'s bridge port');
  } catch (e) {
    if (e instanceof TsnetError && e.code === 'EUNSUPPORTED') throw new CniError(CNI_CODE.unsupportedField, 'unsupported field in network configuration', `vlan ${vlan}: ${e.message}`);
    throw e;
  }
}
