/**
 * config — the request config a runtime writes on stdin (interfaces.md 1.3), checked
 * completely before anything is looked up or changed: the tsnet keys (bridge, isGateway,
 * ipMasq, mtu, hairpinMode, vlan, mac, root, network), the IPAM section (tsnet's own, or
 * the name of a plugin to delegate to), the capability arguments under runtimeConfig
 * (portMappings, ips, mac, bandwidth, dns), args.cni.ips, prevResult and GC's attachment list.
 * Each refusal names the key and the value: code 6 for bytes that are not JSON, 1 for a
 * version tsnet does not speak, 7 for a bad value, 2 for a key tsnet does not implement.
 * Unknown keys pass (runtimes and chained plugins add their own). Pure.
 * @pure
 */
import { parseCidr, parseIp } from '../ipam/cidr.js';
import { validateNetworkName } from '../network/network-name.js';
import { CNI_CODE, CniError } from './errors.js';
import { checkVersion, parseResult, type CniDns, type CniResult } from './version.js';
import { validateIfname } from './env.js';

export interface CniRouteSpec { dst: string; gw?: string | undefined }
export interface PortMappingArg { hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' | 'sctp'; hostIP?: string | undefined }
export interface BandwidthArg { ingressRate?: number | undefined; ingressBurst?: number | undefined; egressRate?: number | undefined; egressBurst?: number | undefined }
export interface Attachment { containerID: string; ifname: string }

export type IpamConfig =
  | { kind: 'tsnet'; subnet: string; gateway?: string | undefined; subnet6?: string | undefined; gateway6?: string | undefined; routes: CniRouteSpec[] }
  | { kind: 'delegate'; type: string };

export interface CniConfig {
  cniVersion: string;
  /** The network's name in the runtime (the conflist's name). */
  name: string;
  type: string;
  /** The tsnet network it maps to: the `network` key, else the name. */
  network: string;
  root?: string | undefined;
  bridge?: string | undefined;
  /** Default true: containers route via the network's gateway (tsnet networks always have one). */
  isGateway: boolean;
  ipMasq?: boolean | undefined;
  mtu?: number | undefined;
  hairpinMode: boolean;
  vlan?: number | undefined;
  mac?: string | undefined;
  ipam: IpamConfig;
  dns: CniDns;
  portMappings: PortMappingArg[];
  /** Static addresses asked for: runtimeConfig.ips, args.cni.ips (CNI_ARGS IP= is added by the caller). */
  ips: string[];
  bandwidth?: BandwidthArg | undefined;
  prevResult?: CniResult | undefined;
  validAttachments?: Attachment[] | undefined;
}

type Obj = Record<string, unknown>;

const bad = (details: string): CniError => new CniError(CNI_CODE.invalidConfig, 'invalid network configuration', details);
const unsupported = (details: string): CniError => new CniError(CNI_CODE.unsupportedField, 'unsupported field in network configuration', details);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optBool(o: Obj, key: string, path = key): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(`${path} ${show(v)} must be true or false`);
  return v;
}

function optString(o: Obj, key: string, path = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${path} ${show(v)} must be a string`);
  return v;
}

function optInt(o: Obj, key: string, min: number, max: number, path = key): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`${path} ${show(v)} must be a whole number from ${min} to ${max}`);
  return v;
}

function checked<T>(fn: () => T, path: string): T {
  try { return fn(); } catch (e) { throw e instanceof CniError ? e : bad(`${path}: ${(e as Error).message}`); }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** normaliseMac — lower-case colon form; unicast only (a multicast MAC cannot be an interface's). */
export function normaliseMac(v: string, path: string): string {
  const mac = v.toLowerCase().replace(/-/g, ':');
  if (!MAC.test(mac)) throw bad(`${path} ${show(v)} is not a MAC address like 02:42:ac:11:00:02`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw bad(`${path} ${show(v)} is a multicast MAC address`);
  return mac;
}

/** ipv4Cidr — "a.b.c.d/len" (a bare address gets no prefix: the caller adds the subnet's). */
function ipList(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(`${path} ${show(v)} must be a list of addresses`);
  return (v as string[]).map((ip) => checked(() => { if (ip.includes('/')) parseCidr(ip, path); else parseIp(ip, path); return ip; }, path));
}

function routes(v: unknown, path: string): CniRouteSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${path} ${show(v)} must be a list of {"dst": CIDR, "gw": IP}`);
  return v.map((r, i) => {
    if (!isObj(r) || typeof r['dst'] !== 'string') throw bad(`${path}[${i}] ${show(r)} needs "dst"`);
    const dst = checked(() => { parseCidr(r['dst'] as string, `${path}[${i}].dst`); return r['dst'] as string; }, `${path}[${i}].dst`);
    const gw = optString(r, 'gw', `${path}[${i}].gw`);
    if (gw !== undefined) checked(() => parseIp(gw, `${path}[${i}].gw`), `${path}[${i}].gw`);
    return { dst, gw };
  });
}

function ipam(v: unknown): IpamConfig {
  if (v === undefined || v === null) return { kind: 'tsnet', subnet: 'auto', routes: [] };
  if (!isObj(v)) throw bad(`ipam ${show(v)} must be an object`);
  const type = optString(v, 'type', 'ipam.type') ?? 'tsnet';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw bad(`ipam.type ${show(type)} is not a plugin name`);
  // The dhcp plugin leases on the container's interface, which tsnet makes only once IPAM
  // has answered (the address is part of the attach); refused rather than failing inside it.
  if (type === 'dhcp') throw unsupported('ipam.type "dhcp" is not supported: the dhcp plugin needs the container interface before IPAM runs, and tsnet asks IPAM first; use ipam type tsnet or host-local');
  if (type !== 'tsnet') return { kind: 'delegate', type };
  for (const key of ['rangeStart', 'rangeEnd', 'dataDir']) if (v[key] !== undefined) throw unsupported(`ipam.${key} is not supported by ipam type tsnet (give subnet and gateway, or delegate to host-local)`);
  let subnet = optString(v, 'subnet', 'ipam.subnet');
  let gateway = optString(v, 'gateway', 'ipam.gateway');
  let subnet6 = optString(v, 'subnet6', 'ipam.subnet6');
  let gateway6 = optString(v, 'gateway6', 'ipam.gateway6');
  const ranges = v['ranges'];
  if (ranges !== undefined) {
    // One range set per family, as podman writes a dual-stack network: [[{v4}], [{v6}]].
    if (!Array.isArray(ranges) || ranges.length === 0 || ranges.some((set) => !Array.isArray(set) || set.length === 0 || !isObj(set[0]))) {
      throw bad(`ipam.ranges ${show(ranges)} must be a list of lists of {"subnet": CIDR}`);
    }
    if (ranges.length > 2 || ranges.some((set) => (set as unknown[]).length > 1)) throw unsupported(`ipam.ranges ${show(ranges)}: ipam type tsnet takes one subnet per family`);
    if (subnet !== undefined || subnet6 !== undefined) throw bad('ipam: give either subnet/subnet6 or ranges, not both');
    for (const [i, set] of (ranges as Obj[][]).entries()) {
      const r = set[0]!;
      const path = `ipam.ranges[${i}][0]`;
      for (const key of ['rangeStart', 'rangeEnd']) if (r[key] !== undefined) throw unsupported(`${path}.${key} is not supported by ipam type tsnet`);
      const s = optString(r, 'subnet', `${path}.subnet`);
      if (s === undefined) throw bad(`${path} ${show(r)} needs "subnet"`);
      const family = checked(() => parseCidr(s, `${path}.subnet`), `${path}.subnet`).family;
      if (family === 4 ? subnet !== undefined : subnet6 !== undefined) throw unsupported(`ipam.ranges ${show(ranges)}: two IPv${family} subnets (one per family)`);
      if (family === 4) { subnet = s; gateway = optString(r, 'gateway', `${path}.gateway`) ?? gateway; } else { subnet6 = s; gateway6 = optString(r, 'gateway', `${path}.gateway`) ?? gateway6; }
    }
  }
  subnet ??= 'auto';
  if (subnet !== 'auto') {
    const c = checked(() => parseCidr(subnet!, 'ipam subnet'), 'ipam.subnet');
    if (c.family !== 4) throw bad(`ipam.subnet ${show(subnet)} is not IPv4 (give IPv6 as subnet6)`);
  }
  if (subnet6 !== undefined && subnet6 !== 'auto' && checked(() => parseCidr(subnet6!, 'ipam subnet6'), 'ipam.subnet6').family !== 6) {
    throw bad(`ipam.subnet6 ${show(subnet6)} is not IPv6`);
  }
  if (gateway !== undefined) {
    if (subnet === 'auto') throw bad(`ipam.gateway ${show(gateway)} needs an explicit subnet`);
    checked(() => parseIp(gateway!, 'ipam gateway'), 'ipam.gateway');
  }
  if (gateway6 !== undefined) {
    if (subnet6 === undefined || subnet6 === 'auto') throw bad(`ipam.gateway6 ${show(gateway6)} needs an explicit IPv6 subnet`);
    checked(() => parseIp(gateway6!, 'ipam gateway6'), 'ipam.gateway6');
  }
  return { kind: 'tsnet', subnet, gateway, subnet6, gateway6, routes: routes(v['routes'], 'ipam.routes') };
}

function dnsOf(conf: Obj, rt: Obj): CniDns {
  const d = isObj(conf['dns']) ? conf['dns'] : {};
  const r = isObj(rt['dns']) ? rt['dns'] : {};
  const strings = (x: unknown, path: string): string[] | undefined => {
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x) || x.some((s) => typeof s !== 'string')) throw bad(`${path} ${show(x)} must be a list of strings`);
    return x as string[];
  };
  const merged: CniDns = {
    nameservers: strings(r['servers'], 'runtimeConfig.dns.servers') ?? strings(d['nameservers'], 'dns.nameservers'),
    domain: optString(d, 'domain', 'dns.domain'),
    search: strings(r['searches'], 'runtimeConfig.dns.searches') ?? strings(d['search'], 'dns.search'),
    options: strings(r['options'], 'runtimeConfig.dns.options') ?? strings(d['options'], 'dns.options'),
  };
  for (const ns of merged.nameservers ?? []) checked(() => parseIp(ns, 'dns nameserver'), 'dns.nameservers');
  return merged;
}

function portMappings(v: unknown): PortMappingArg[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`runtimeConfig.portMappings ${show(v)} must be a list`);
  return v.map((m, i) => {
    const path = `runtimeConfig.portMappings[${i}]`;
    if (!isObj(m)) throw bad(`${path} ${show(m)} must be an object`);
    const hostPort = optInt(m, 'hostPort', 1, 65535, `${path}.hostPort`);
    const containerPort = optInt(m, 'containerPort', 1, 65535, `${path}.containerPort`);
    if (hostPort === undefined || containerPort === undefined) throw bad(`${path} ${show(m)} needs hostPort and containerPort`);
    const protocol = (optString(m, 'protocol', `${path}.protocol`) ?? 'tcp').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') throw bad(`${path}.protocol ${show(m['protocol'])} must be tcp, udp or sctp`);
    const hostIP = optString(m, 'hostIP', `${path}.hostIP`);
    if (hostIP) {
      const ip = checked(() => parseIp(hostIP, 'hostIP'), `${path}.hostIP`);
      if (ip.family !== 4) throw unsupported(`${path}.hostIP ${show(hostIP)}: publishing on IPv6 host addresses is not supported yet`);
    }
    return { hostPort, containerPort, protocol, hostIP: hostIP || undefined };
  });
}

function bandwidth(v: unknown): BandwidthArg | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw bad(`runtimeConfig.bandwidth ${show(v)} must be an object`);
  const max = Number.MAX_SAFE_INTEGER;
  const b: BandwidthArg = {
    ingressRate: optInt(v, 'ingressRate', 0, max, 'runtimeConfig.bandwidth.ingressRate'),
    ingressBurst: optInt(v, 'ingressBurst', 0, max, 'runtimeConfig.bandwidth.ingressBurst'),
    egressRate: optInt(v, 'egressRate', 0, max, 'runtimeConfig.bandwidth.egressRate'),
    egressBurst: optInt(v, 'egressBurst', 0, max, 'runtimeConfig.bandwidth.egressBurst'),
  };
  for (const dir of ['ingress', 'egress'] as const) {
    const rate = b[`${dir}Rate`];
    const burst = b[`${dir}Burst`];
    if ((rate ?? 0) > 0 !== (burst ?? 0) > 0) throw bad(`runtimeConfig.bandwidth: ${dir}Rate and ${dir}Burst must be set together`);
    if (rate !== undefined && rate > 0 && rate < 8000) throw bad(`runtimeConfig.bandwidth.${dir}Rate ${rate} is below 8000 bits/s`);
  }
  return (b.ingressRate ?? 0) > 0 || (b.egressRate ?? 0) > 0 ? b : undefined;
}

function attachments(conf: Obj): Attachment[] | undefined {
  const v = conf['cni.dev/valid-attachments'] ?? conf['cni.dev/attachments'];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw bad(`cni.dev/valid-attachments ${show(v)} must be a list`);
  return v.map((a, i) => {
    if (!isObj(a) || typeof a['containerID'] !== 'string' || typeof a['ifname'] !== 'string') throw bad(`cni.dev/valid-attachments[${i}] ${show(a)} needs containerID and ifname`);
    return { containerID: a['containerID'], ifname: a['ifname'] };
  });
}

/** parseJson — stdin bytes to an object; code 6 otherwise. */
export function parseJson(text: string): Obj {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new CniError(CNI_CODE.decodingFailure, 'failed to decode network configuration', `stdin is not JSON: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new CniError(CNI_CODE.decodingFailure, 'failed to decode network configuration', `stdin ${show(v).slice(0, 60)} is not a JSON object`);
  return v;
}

/** parseConfig — the whole request config, validated. */
export function parseConfig(conf: Obj): CniConfig {
  const cniVersion = checkVersion(conf['cniVersion']);
  const name = optString(conf, 'name');
  if (!name || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw bad(`name ${show(conf['name'])} must start with a letter or digit and use only letters, digits and _.-`);
  const network = optString(conf, 'network') ?? name;
  checked(() => validateNetworkName(network), conf['network'] === undefined ? 'name' : 'network');
  const root = optString(conf, 'root');
  if (root !== undefined && !root.startsWith('/')) throw bad(`root ${show(root)} must be an absolute path`);
  const bridge = optString(conf, 'bridge');
  if (bridge !== undefined) checked(() => validateIfname(bridge), 'bridge');
  const rt = isObj(conf['runtimeConfig']) ? conf['runtimeConfig'] : {};
  const macText = typeof rt['mac'] === 'string' ? rt['mac'] : optString(conf, 'mac');
  const args = isObj(conf['args']) && isObj(conf['args']['cni']) ? conf['args']['cni'] : {};
  return {
    cniVersion, name, network, root, bridge,
    type: optString(conf, 'type') ?? 'tsnet',
    isGateway: optBool(conf, 'isGateway') ?? true,
    ipMasq: optBool(conf, 'ipMasq'),
    mtu: optInt(conf, 'mtu', 68, 65535),
    hairpinMode: optBool(conf, 'hairpinMode') ?? false,
    vlan: optInt(conf, 'vlan', 0, 4094) || undefined,
    mac: macText === undefined ? undefined : normaliseMac(macText, typeof rt['mac'] === 'string' ? 'runtimeConfig.mac' : 'mac'),
    ipam: ipam(conf['ipam']),
    dns: dnsOf(conf, rt),
    portMappings: portMappings(rt['portMappings']),
    ips: [...ipList(rt['ips'], 'runtimeConfig.ips'), ...ipList(args['ips'], 'args.cni.ips')],
    bandwidth: bandwidth(rt['bandwidth']),
    prevResult: conf['prevResult'] === undefined ? undefined : parseResult(conf['prevResult'], 'prevResult'),
    validAttachments: attachments(conf),
  };
}
