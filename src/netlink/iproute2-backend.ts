/**
 * iproute2-backend — LinkOps through the `ip` command, for kernels or setups where the
 * netlink package misbehaves, and as a cross-check: the kernel tests run the same suite on
 * both backends. Reads parse `ip -j`; multi-step writes go through one `ip -batch -`.
 * Another netns is entered with `nsenter --net=<ref.path>` (the path stays valid while the
 * caller keeps the fd open); veth peers, macvlans and moves use ip's `netns <path>`, which
 * iproute2 ≥ 6.1 opens as a file because it contains '/'. Every name and value is
 * validated first, so nothing a user typed can split a batch line.
 */
import { run } from '../core/exec.js';
import { invalid } from '../core/errors.js';
import { validateIfName } from '../core/names.js';
import { parseCidr, parseIp } from '../ipam/cidr.js';
import { errnoOfIp, ipReason, isMissing, kernelError } from './kernel-error.js';
import type { AddrInfo, LinkChange, LinkInfo, LinkOps, MacvlanSpec, NetnsRef, OpenLinkOps, RouteInfo, RouteSpec, VethSpec } from './linkops.js';
import { readSysctl, writeSysctl } from './sysctl.js';

export const openIproute2Ops: OpenLinkOps = async (netns) => new Iproute2LinkOps(netns);

interface IpLink {
  ifindex: number; ifname: string; mtu: number; flags?: string[]; address?: string;
  master?: string; link?: string | null; link_index?: number; linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { state?: string } };
}
interface IpAddr { ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }
interface IpRoute {
  dst: string; gateway?: string; dev?: string; scope?: string; metric?: number;
  flags?: string[]; protocol?: string; type?: string;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const MACVLAN_MODES = ['private', 'vepa', 'bridge', 'passthru'];

function mac(m: string): string {
  if (!MAC_RE.test(m)) throw invalid(`MAC address "${m}" is not of the form aa:bb:cc:dd:ee:ff`);
  return m.toLowerCase();
}

function mtu(n: number): string {
  if (!Number.isInteger(n) || n < 68 || n > 65535) throw invalid(`MTU ${n} is not between 68 and 65535`);
  return String(n);
}

/** nsPath — a netns path for ip's `netns` argument; must contain '/' to be opened as a file. */
function nsPath(ref: NetnsRef): string {
  if (!ref.path.includes('/') || /\s/.test(ref.path)) throw invalid(`netns path "${ref.path}" must be an absolute path without spaces`);
  return ref.path;
}

/** kv — [key, check(value)] when value is given, [] otherwise. */
function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}

function kv<T>(key: string, value: T | undefined, check: (v: T) => string = String): string[] {
  return value === undefined ? [] : [key, check(value)];
}

class Iproute2LinkOps implements LinkOps {
  readonly backend = 'iproute2' as const;

  constructor(private readonly netns: NetnsRef | undefined) {}

  private argv(args: string[]): string[] {
    return this.netns ? ['nsenter', `--net=${nsPath(this.netns)}`, 'ip', ...args] : ['ip', ...args];
  }

  /** ip — runs one ip command (or a batch via `input`); maps failures; quiet errnos → undefined. */
  private async ip(what: string, args: string[], quiet?: (errno: string | undefined) => boolean, input?: string): Promise<string | undefined> {
    const r = await run(this.argv(args), { allowFailure: true, ...(input === undefined ? {} : { input }) });
    if (r.code === 0) return r.stdout;
    const errno = errnoOfIp(r.stderr);
    if (quiet?.(errno)) return undefined;
    throw kernelError(what, errno, ipReason(r.stderr));
  }

  private async batch(what: string, lines: string[][]): Promise<void> {
    if (lines.length === 1) return void (await this.ip(what, lines[0]!));
    await this.ip(what, ['-batch', '-'], undefined, lines.map((l) => l.join(' ')).join('\n') + '\n');
  }

  private async json<T>(what: string, args: string[]): Promise<T[]> {
    const out = await this.ip(what, ['-j', ...args]);
    return out?.trim() ? (JSON.parse(out) as T[]) : [];
  }

  async listLinks(): Promise<LinkInfo[]> {
    const raw = await this.json<IpLink>('list links', ['-d', 'link', 'show']);
    const byName = new Map(raw.map((l) => [l.ifname, l.ifindex]));
    const lower = (l: IpLink): number | undefined => {
      if (l.link_index !== undefined) return l.link_index;
      if (!l.link) return undefined;
      return byName.get(l.link) ?? (/^if(\d+)$/.test(l.link) ? Number(l.link.slice(2)) : undefined);
    };
    return raw.map((l) => ({
      index: l.ifindex,
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? 'device',
      mtu: l.mtu,
      mac: l.address && MAC_RE.test(l.address) ? l.address.toLowerCase() : '',
      up: l.flags?.includes('UP') ?? false,
      carrier: l.flags?.includes('LOWER_UP') ?? false,
      masterIndex: l.master === undefined ? undefined : byName.get(l.master),
      linkIndex: lower(l),
      forwarding: l.linkinfo?.info_slave_kind === 'bridge' ? l.linkinfo.info_slave_data?.state === 'forwarding' : undefined,
    }));
  }

  async getLink(name: string): Promise<LinkInfo | undefined> {
    validateIfName(name);
    return (await this.listLinks()).find((l) => l.name === name);
  }

  async addBridge(name: string, opts: { mtu?: number | undefined } = {}): Promise<void> {
    validateIfName(name);
    const lines = [['link', 'add', 'name', name, 'type', 'bridge']];
    // An MTU given at creation does not stick on a bridge (its first port resets it); a
    // separate `link set` marks it as chosen by the user.
    if (opts.mtu !== undefined) lines.push(['link', 'set', 'dev', name, 'mtu', mtu(opts.mtu)]);
    try {
      await this.batch(`create bridge ${name}`, lines);
    } catch (e) {
      if (lines.length > 1 && (e as { code?: string }).code !== 'ECONFLICT') await this.deleteLink(name).catch(() => undefined);
      throw e;
    }
  }

  async addVeth(spec: VethSpec): Promise<void> {
    validateIfName(spec.name);
    validateIfName(spec.peerName, 'peer interface name');
    const m = kv('mtu', spec.mtu, mtu);
    await this.ip(`create veth ${spec.name} (peer ${spec.peerName})`, [
      'link', 'add', 'name', spec.name, ...m, 'type', 'veth', 'peer', 'name', spec.peerName, ...m,
      ...kv('address', spec.peerMac, mac), ...kv('netns', spec.peerNetns, nsPath),
    ]);
  }

  async addMacvlan(spec: MacvlanSpec): Promise<void> {
    validateIfName(spec.name);
    validateIfName(spec.parent, 'parent interface name');
    if (!MACVLAN_MODES.includes(spec.mode)) throw invalid(`macvlan mode "${spec.mode}" is not one of ${MACVLAN_MODES.join(', ')}`);
    await this.ip(`create macvlan ${spec.name} on ${spec.parent}`, [
      'link', 'add', 'link', spec.parent, 'name', spec.name,
      ...kv('mtu', spec.mtu, mtu), ...kv('address', spec.mac, mac), ...kv('netns', spec.netns, nsPath),
      'type', 'macvlan', 'mode', spec.mode,
    ]);
  }

  async setLink(name: string, change: LinkChange): Promise<void> {
    validateIfName(name);
    if (change.newName !== undefined) validateIfName(change.newName, 'new interface name');
    if (typeof change.master === 'string') validateIfName(change.master, 'bridge name');
    await this.ip(`change link ${name}`, [
      'link', 'set', 'dev', name,
      ...kv('netns', change.netns, nsPath), ...kv('name', change.newName),
      ...kv('mtu', change.mtu, mtu), ...kv('address', change.mac, mac),
      ...(change.master === null ? ['nomaster'] : kv('master', change.master)),
      ...(change.up === undefined ? [] : [change.up ? 'up' : 'down']),
    ]);
    const port = change.bridgePort;
    if (port) {
      await this.ip(`set bridge port flags of ${name}`, [
        'link', 'set', 'dev', change.newName ?? name, 'type', 'bridge_slave',
        ...kv('isolated', port.isolated, onOff), ...kv('hairpin', port.hairpin, onOff),
      ]);
    }
  }

  async deleteLink(name: string): Promise<void> {
    validateIfName(name);
    await this.ip(`delete link ${name}`, ['link', 'del', 'dev', name], isMissing);
  }

  async listAddrs(ifname?: string): Promise<AddrInfo[]> {
    const raw = await this.json<IpAddr>('list addresses', ['addr', 'show']);
    return raw
      .filter((l) => ifname === undefined || l.ifname === ifname)
      .flatMap((l) => (l.addr_info ?? [])
        .filter((a) => a.family === 'inet' || a.family === 'inet6')
        .map((a) => ({ ifname: l.ifname, family: a.family === 'inet' ? 4 as const : 6 as const, cidr: `${a.local}/${a.prefixlen}` })));
  }

  async addAddr(ifname: string, cidr: string, opts: { noDad?: boolean } = {}): Promise<void> {
    validateIfName(ifname);
    const nodad = opts.noDad && parseCidr(cidr).family === 6 ? ['nodad'] : [];
    await this.ip(`add address ${cidr} to ${ifname}`, ['addr', 'add', cidr, 'dev', ifname, ...nodad]);
  }

  async delAddr(ifname: string, cidr: string): Promise<void> {
    validateIfName(ifname);
    parseCidr(cidr);
    await this.ip(`delete address ${cidr} from ${ifname}`, ['addr', 'del', cidr, 'dev', ifname], isMissing);
  }

  async listRoutes(family?: 4 | 6): Promise<RouteInfo[]> {
    const families = family ? [family] : [4, 6] as const;
    const lists = await Promise.all(families.map(async (f) =>
      (await this.json<IpRoute>('list routes', [`-${f}`, 'route', 'show', 'table', 'main'])).map((r) => toRoute(f, r))));
    return lists.flat().filter((r): r is RouteInfo => r !== undefined);
  }

  private routeArgs(verb: 'add' | 'replace' | 'del', r: RouteSpec): string[] {
    if (r.dst !== 'default' && parseCidr(r.dst, 'route destination').family !== r.family) throw invalid(`route ${r.dst} is not IPv${r.family}`);
    if (r.gateway !== undefined && parseIp(r.gateway, 'gateway').family !== r.family) throw invalid(`gateway ${r.gateway} is not IPv${r.family}`);
    if (r.dev !== undefined) validateIfName(r.dev);
    if (r.metric !== undefined && !(Number.isInteger(r.metric) && r.metric >= 0)) throw invalid(`route metric ${r.metric} is not a whole number`);
    return [
      `-${r.family}`, 'route', verb, r.dst,
      ...kv('via', r.gateway), ...kv('dev', r.dev),
      ...(verb === 'del' ? [] : kv('scope', r.scope)),
      ...kv('metric', r.metric),
      ...(r.onlink ? ['onlink'] : []),
    ];
  }

  private describe(r: RouteSpec): string {
    return `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
  }

  async addRoute(r: RouteSpec): Promise<void> {
    await this.ip(`add route ${this.describe(r)}`, this.routeArgs('add', r));
  }

  async replaceRoute(r: RouteSpec): Promise<void> {
    await this.ip(`replace route ${this.describe(r)}`, this.routeArgs('replace', r));
  }

  async delRoute(r: RouteSpec): Promise<void> {
    await this.ip(`delete route ${this.describe(r)}`, this.routeArgs('del', r), isMissing);
  }

  async addNeighbour(ifname: string, ip: string, lladdr: string): Promise<void> {
    validateIfName(ifname);
    parseIp(ip);
    await this.ip(`add neighbour ${ip} (${lladdr}) on ${ifname}`,
      ['neigh', 'replace', ip, 'lladdr', mac(lladdr), 'dev', ifname, 'nud', 'permanent']);
  }

  async bridgePortOf(bridge: string, lladdr: string): Promise<string | undefined> {
    validateIfName(bridge);
    const argv = this.netns ? ['nsenter', `--net=${nsPath(this.netns)}`, 'bridge', '-j', 'fdb', 'get', mac(lladdr), 'br', bridge] : ['bridge', '-j', 'fdb', 'get', mac(lladdr), 'br', bridge];
    const r = await run(argv, { allowFailure: true });
    if (r.code !== 0) return undefined; // not learnt
    const e = (JSON.parse(r.stdout || '[]') as { ifname?: string; flags?: string[] }[])[0];
    return e?.ifname && e.ifname !== bridge ? e.ifname : undefined;
  }

  async setSysctl(key: string, value: string): Promise<void> {
    writeSysctl(key, value, this.netns?.fd);
  }

  async readSysctl(key: string): Promise<string> {
    return readSysctl(key, this.netns?.fd);
  }

  close(): void {
    // Nothing held: every call is its own process.
  }
}

/** toRoute — `ip -j route` entry → RouteInfo; ip omits defaults (/32, scope, proto boot). */
function toRoute(family: 4 | 6, r: IpRoute): RouteInfo | undefined {
  if (r.type !== undefined && r.type !== 'unicast') return undefined;
  const dst = r.dst === 'default' || r.dst.includes('/') ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
  return {
    family,
    dst,
    gateway: r.gateway,
    dev: r.dev,
    scope: r.scope ?? 'universe',
    metric: r.metric,
    onlink: r.flags?.includes('onlink') || undefined,
    table: 254,
    protocol: r.protocol ?? 'boot',
  };
}
