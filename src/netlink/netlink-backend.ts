/**
 * netlink-backend — LinkOps over one rtnetlink socket (the pinned `netlink` package), the
 * default because it spawns nothing: a veth add is ~1 ms here against ~9 ms for `ip`.
 * For another netns the socket is created inside it by inNetns(), so every request on it
 * acts there; veth peers and macvlans are created straight into their target netns in a
 * single message (IFLA_NET_NS_FD), never under a temporary name in the wrong one.
 * Byte encoding lives in netlink-codec.ts; the package is loaded on the first open.
 */
import { debug, isDebug } from '../core/log.js';
import { TsnetError, invalid } from '../core/errors.js';
import { validateIfName } from '../core/names.js';
import { inNetns } from '../netns/in-netns.js';
import { errnoOfNetlink, isMissing, kernelError } from './kernel-error.js';
import type { AddrInfo, LinkChange, LinkInfo, LinkOps, MacvlanSpec, NetnsRef, OpenLinkOps, RouteInfo, RouteSpec, VethSpec } from './linkops.js';
import {
  AF, NLM_F, RT_SCOPE, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_BOOT, bridgeLinkinfo, bridgePortLinkinfo, cidrBytes, ipBytes, macBytes,
  macvlanLinkinfo, nl, routeFlags, toAddrInfo, toLinkInfo, toRouteInfo, u32, vethLinkinfo, type Route, type RouteAttrs, type RtSocket,
} from './netlink-codec.js';
import { readSysctl, writeSysctl } from './sysctl.js';

const ADD = { flags: NLM_F.CREATE | NLM_F.EXCL };
const REPLACE = { flags: NLM_F.CREATE | NLM_F.REPLACE };

/** openNetlinkOps — a LinkOps whose socket lives in `netns` (or the current netns). */
export const openNetlinkOps: OpenLinkOps = async (netns) => {
  const { rt } = nl();
  const sock = netns ? inNetns(netns.fd, () => rt.createRtNetlink()) : rt.createRtNetlink();
  return new NetlinkLinkOps(sock, netns);
};

function mtuOf(mtu: number | undefined): number | undefined {
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) throw invalid(`MTU ${mtu} is not between 68 and 65535`);
  return mtu;
}

/** PF_BRIDGE: the bridge forwarding database's address family. */
const AF_BRIDGE = 7;

class NetlinkLinkOps implements LinkOps {
  readonly backend = 'netlink' as const;
  private readonly where: string;
  /** Tail of the request queue: the kernel runs one dump per socket at a time (EBUSY). */
  private tail: Promise<unknown> = Promise.resolve();
  private portNames = new Map<number, string>();

  constructor(private readonly sock: RtSocket, private readonly netns: NetnsRef | undefined) {
    this.where = netns ? ` [netns ${netns.path}]` : '';
  }

  /**
   * kernel — runs one request after the previous one has finished (concurrent dumps on one
   * socket fail with EBUSY and confuse the package's multipart reassembly); maps refusals;
   * `quiet` errnos resolve to undefined.
   */
  private kernel<T>(what: string, fn: () => Promise<T>, quiet?: (errno: string | undefined) => boolean): Promise<T | undefined> {
    const result = this.tail.then(() => this.request(what, fn, quiet));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async request<T>(what: string, fn: () => Promise<T>, quiet?: (errno: string | undefined) => boolean): Promise<T | undefined> {
    // Logged when done, with its duration: --debug then shows what each kernel call costs.
    const t0 = isDebug() ? performance.now() : 0;
    let outcome = '';
    try {
      return await fn();
    } catch (e) {
      outcome = ' (failed)';
      if (e instanceof TsnetError) throw e;
      const errno = errnoOfNetlink(e);
      if (quiet?.(errno)) { outcome = ` (${errno})`; return undefined; }
      throw kernelError(what, errno, errno ? undefined : (e as Error).message);
    } finally {
      if (t0) debug(`netlink: ${what}${this.where}${outcome} took ${(performance.now() - t0).toFixed(2)} ms`);
    }
  }

  /** indexOf — ifindex of a link that must exist; the error names the operation it was for. */
  private async indexOf(name: string, what: string): Promise<number> {
    const link = await this.getLink(name);
    if (!link) throw kernelError(what, 'ENODEV');
    return link.index;
  }

  private async names(): Promise<Map<number, string>> {
    const links = await this.listLinks();
    return new Map(links.map((l) => [l.index, l.name]));
  }

  async listLinks(): Promise<LinkInfo[]> {
    const msgs = await this.kernel('list links', () => this.sock.getLinks());
    return (msgs ?? []).map(toLinkInfo);
  }

  async getLink(name: string): Promise<LinkInfo | undefined> {
    validateIfName(name);
    const msgs = await this.kernel(`get link ${name}`, () => this.sock.getLink({}, { ifname: name }), isMissing);
    return msgs?.[0] ? toLinkInfo(msgs[0]) : undefined;
  }

  async addBridge(name: string, opts: { mtu?: number | undefined } = {}): Promise<void> {
    validateIfName(name);
    const mtu = mtuOf(opts.mtu);
    await this.kernel(`create bridge ${name}`, () => this.sock.newLink({}, { ifname: name, linkinfo: bridgeLinkinfo() }, ADD));
    if (mtu === undefined) return;
    // An MTU given at creation is not "set by user" for the bridge driver: the first port
    // would reset it to the ports' minimum. A separate change makes it stick.
    try {
      await this.kernel(`set mtu ${mtu} on bridge ${name}`, () => this.sock.setLink({}, { ifname: name, mtu }));
    } catch (e) {
      await this.deleteLink(name).catch(() => undefined);
      throw e;
    }
  }

  async addVeth(spec: VethSpec): Promise<void> {
    validateIfName(spec.name);
    validateIfName(spec.peerName, 'peer interface name');
    const mtu = mtuOf(spec.mtu);
    const linkinfo = vethLinkinfo({ name: spec.peerName, mac: spec.peerMac, mtu, netnsFd: spec.peerNetns?.fd });
    await this.kernel(`create veth ${spec.name} (peer ${spec.peerName})`, () =>
      this.sock.newLink({}, { ifname: spec.name, mtu, linkinfo }, ADD));
  }

  async addMacvlan(spec: MacvlanSpec): Promise<void> {
    validateIfName(spec.name);
    const what = `create macvlan ${spec.name} on ${spec.parent}`;
    const parent = await this.indexOf(spec.parent, what);
    const attrs = {
      ifname: spec.name,
      link: u32(parent),
      mtu: mtuOf(spec.mtu),
      address: spec.mac === undefined ? undefined : macBytes(spec.mac),
      netNsFd: spec.netns?.fd,
      linkinfo: macvlanLinkinfo(spec.mode),
    };
    await this.kernel(what, () => this.sock.newLink({}, attrs, ADD));
  }

  async setLink(name: string, change: LinkChange): Promise<void> {
    const what = `change link ${name}`;
    if (change.newName !== undefined) validateIfName(change.newName, 'new interface name');
    const index = await this.indexOf(name, what);
    const master = change.master === null ? 0 : change.master === undefined ? undefined : await this.indexOf(change.master, `${what} (master ${change.master})`);
    const attrs = {
      netNsFd: change.netns?.fd, // moved first by the kernel, then renamed: one request
      ifname: change.newName,
      mtu: mtuOf(change.mtu),
      address: change.mac === undefined ? undefined : macBytes(change.mac),
      master,
    };
    const flags = change.up === undefined ? {} : { flags: change.up ? { up: true as const } : {}, change: { up: true as const } };
    await this.kernel(what, () => this.sock.setLink({ index, ...flags }, attrs));
    // Port flags travel as IFLA_INFO_SLAVE_DATA, which only RTM_NEWLINK (no CREATE) applies.
    if (change.bridgePort) {
      const linkinfo = bridgePortLinkinfo(change.bridgePort);
      await this.kernel(`set bridge port flags of ${name}`, () => this.sock.newLink({ index }, { linkinfo }));
    }
  }

  async deleteLink(name: string): Promise<void> {
    validateIfName(name);
    await this.kernel(`delete link ${name}`, () => this.sock.delLink({}, { ifname: name }), isMissing);
  }

  async listAddrs(ifname?: string): Promise<AddrInfo[]> {
    const names = await this.names();
    const msgs = (await this.kernel('list addresses', () => this.sock.getAddresses())) ?? [];
    // The kernel dumps all IPv4 then all IPv6; group by link (stable) as `ip addr` does.
    msgs.sort((x, y) => (x.data.index ?? 0) - (y.data.index ?? 0));
    const all = msgs.map((m) => toAddrInfo(m, names)).filter((a): a is AddrInfo => a !== undefined);
    return ifname === undefined ? all : all.filter((a) => a.ifname === ifname);
  }

  async addAddr(ifname: string, cidr: string, opts: { noDad?: boolean } = {}): Promise<void> {
    const what = `add address ${cidr} to ${ifname}`;
    const a = cidrBytes(cidr);
    const index = await this.indexOf(ifname, what);
    const flags = opts.noDad && a.family === 6 ? { nodad: true as const } : undefined;
    await this.kernel(what, () =>
      this.sock.newAddress({ family: AF[a.family], prefixlen: a.prefix, index, flags }, { local: a.bytes, address: a.bytes }, ADD));
  }

  async delAddr(ifname: string, cidr: string): Promise<void> {
    const what = `delete address ${cidr} from ${ifname}`;
    const a = cidrBytes(cidr);
    validateIfName(ifname);
    const link = await this.getLink(ifname);
    if (!link) return;
    await this.kernel(what, () =>
      this.sock.delAddress({ family: AF[a.family], prefixlen: a.prefix, index: link.index }, { local: a.bytes, address: a.bytes }), isMissing);
  }

  async listRoutes(family?: 4 | 6): Promise<RouteInfo[]> {
    const names = await this.names();
    const msgs = (await this.kernel('list routes', () => this.sock.getRoutes({ family: family ? AF[family] : 0 }))) ?? [];
    return msgs.map((m) => toRouteInfo(m, names)).filter((r): r is RouteInfo => r !== undefined);
  }

  /** route — the rtmsg and attributes `ip route <verb>` would send for this spec. */
  private async route(r: RouteSpec, verb: 'add' | 'replace' | 'delete'): Promise<{ data: Route; attrs: RouteAttrs } | undefined> {
    const dst = r.dst === 'default' ? undefined : cidrBytes(r.dst, 'route destination');
    const gw = r.gateway === undefined ? undefined : ipBytes(r.gateway, 'gateway');
    for (const f of [dst?.family, gw?.family]) {
      if (f !== undefined && f !== r.family) throw invalid(`route ${r.dst}: addresses are not IPv${r.family}`);
    }
    let oif: number | undefined;
    if (r.dev !== undefined) {
      if (verb !== 'delete') oif = await this.indexOf(r.dev, `${verb} route ${r.dst}`);
      else if (!(oif = (await this.getLink(r.dev))?.index)) return undefined;
    }
    const scope = verb === 'delete' ? RT_SCOPE.nowhere
      : r.scope !== undefined ? RT_SCOPE[r.scope]
      : r.family === 4 && !gw ? RT_SCOPE.link : RT_SCOPE.universe;
    const data: Route = {
      family: AF[r.family], dstLen: dst?.prefix ?? 0, table: RT_TABLE_MAIN, scope,
      protocol: verb === 'delete' ? undefined : RTPROT_BOOT, type: verb === 'delete' ? undefined : RTN_UNICAST,
      flags: routeFlags(r.onlink),
    };
    return { data, attrs: { dst: dst?.bytes, gateway: gw?.bytes, oif, priority: r.metric } };
  }

  private describe(r: RouteSpec): string {
    return `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
  }

  async addRoute(r: RouteSpec): Promise<void> {
    const m = await this.route(r, 'add');
    await this.kernel(`add route ${this.describe(r)}`, () => this.sock.newRoute(m!.data, m!.attrs, ADD));
  }

  async replaceRoute(r: RouteSpec): Promise<void> {
    const m = await this.route(r, 'replace');
    await this.kernel(`replace route ${this.describe(r)}`, () => this.sock.newRoute(m!.data, m!.attrs, REPLACE));
  }

  async delRoute(r: RouteSpec): Promise<void> {
    const m = await this.route(r, 'delete');
    if (!m) return; // its device is gone, so is the route
    await this.kernel(`delete route ${this.describe(r)}`, () => this.sock.delRoute(m.data, m.attrs), isMissing);
  }

  async addNeighbour(ifname: string, ip: string, mac: string): Promise<void> {
    const what = `add neighbour ${ip} (${mac}) on ${ifname}`;
    const a = ipBytes(ip);
    const lladdr = macBytes(mac);
    const ifindex = await this.indexOf(ifname, what);
    await this.kernel(what, () =>
      this.sock.newNeighbor({ family: AF[a.family], ifindex, state: { permanent: true } }, { dst: a.bytes, lladdr }, REPLACE));
  }

  async bridgePortOf(bridge: string, mac: string): Promise<string | undefined> {
    const what = `look up ${mac} in the forwarding database of ${bridge}`;
    const master = await this.indexOf(bridge, what);
    // RTM_GETNEIGH for one entry (the kernel's rtnl_fdb_get, `bridge fdb get`), AF_BRIDGE.
    const msgs = await this.kernel(what, () => this.sock.getNeighbor({ family: AF_BRIDGE }, { lladdr: macBytes(mac), master }), (e) => e === 'ENOENT');
    const port = msgs?.[0]?.data.ifindex;
    if (port === undefined || port === master) return undefined; // the bridge's own MAC
    // ifindexes are not reused soon: a name once seen is kept, the map re-read for a new port.
    if (!this.portNames.has(port)) this.portNames = await this.names();
    return this.portNames.get(port);
  }

  async setSysctl(key: string, value: string): Promise<void> {
    writeSysctl(key, value, this.netns?.fd);
  }

  async readSysctl(key: string): Promise<string> {
    return readSysctl(key, this.netns?.fd);
  }

  close(): void {
    this.sock.socket.close();
  }
}
