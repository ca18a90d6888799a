/**
 * LinkOps — everything tsnet asks of the kernel about links, addresses, routes, neighbours
 * and sysctls, for ONE network namespace. Two backends implement it: netlink (the `netlink`
 * package, default, no process spawns) and iproute2 (`ip -j` reads, `ip -batch` writes).
 * The same kernel tests run against both (test/kernel/linkops.test.ts).
 *
 * Conventions shared by both backends:
 * - "Not found" on delete is success (teardown is idempotent).
 * - Errors are TsnetError: EKERNEL (kernel refused), ECONFLICT (EEXIST), ENOTFOUND (ENODEV),
 *   with the operation and object named in the message.
 * - Namespaces are given as a NetnsRef: an open fd on a netns file (never a PID, so a PID
 *   reused mid-way cannot redirect anything).
 */

export type LinkOpsBackend = 'netlink' | 'iproute2';

export interface NetnsRef {
  /** An open fd on /proc/PID/ns/net, /run/netns/NAME or another nsfs file, owned by the caller. */
  fd: number;
  /** Path that reaches this netns from this process, e.g. /proc/self/fd/N (for iproute2). */
  path: string;
}

export type LinkKind = 'bridge' | 'veth' | 'macvlan' | 'vlan' | 'vxlan' | 'device' | string;

export interface LinkInfo {
  index: number;
  name: string;
  /** IFLA_INFO_KIND, or 'device' for links without one (physical NICs, lo). */
  kind: LinkKind;
  mtu: number;
  /** lower-case aa:bb:cc:dd:ee:ff, or '' when the link has none. */
  mac: string;
  /** Admin state (IFF_UP). */
  up: boolean;
  /** Operational carrier (IFF_LOWER_UP). */
  carrier: boolean;
  /** ifindex of the bridge this link is enslaved to, if any. */
  masterIndex?: number | undefined;
  /** ifindex of the lower device (macvlan/vlan parent, veth peer when known), if any. */
  linkIndex?: number | undefined;
  /** A bridge port whose STP state is forwarding (set for ports only; a new port is briefly disabled). */
  forwarding?: boolean | undefined;
}

export interface AddrInfo {
  ifname: string;
  family: 4 | 6;
  /** "10.0.0.2/24" form. */
  cidr: string;
}

export interface RouteInfo {
  family: 4 | 6;
  /** "default" or "10.0.0.0/24" form. */
  dst: string;
  gateway?: string | undefined;
  dev?: string | undefined;
  /** 'link' for on-link routes, 'universe' otherwise, 'host' for host routes. */
  scope: 'universe' | 'link' | 'host' | string;
  metric?: number | undefined;
  onlink?: boolean | undefined;
  /** Main table only unless asked otherwise; table id for completeness. */
  table: number;
  protocol?: string | undefined;
}

export interface RouteSpec {
  family: 4 | 6;
  dst: string; // "default" or CIDR
  gateway?: string | undefined;
  dev?: string | undefined;
  scope?: 'universe' | 'link' | undefined;
  onlink?: boolean | undefined;
  metric?: number | undefined;
}

export interface VethSpec {
  name: string;
  peerName: string;
  mtu?: number | undefined;
  /** MAC of the peer end. */
  peerMac?: string | undefined;
  /** Create the peer directly inside this netns (one message, no temporary name). */
  peerNetns?: NetnsRef | undefined;
}

export interface MacvlanSpec {
  name: string;
  parent: string;
  mode: 'bridge' | 'private' | 'vepa' | 'passthru';
  mtu?: number | undefined;
  mac?: string | undefined;
  /** Create the link directly inside this netns (the parent is looked up here). */
  netns?: NetnsRef | undefined;
}

export interface LinkChange {
  up?: boolean | undefined;
  /** Enslave to this bridge name; null releases it. */
  master?: string | null | undefined;
  mtu?: number | undefined;
  mac?: string | undefined;
  /** Rename (applied after moving, in the same request where the backend can). */
  newName?: string | undefined;
  /** Move the link into this netns. */
  netns?: NetnsRef | undefined;
  /** Flags of the link as a port of its bridge (it must be enslaved already). */
  bridgePort?: BridgePortFlags | undefined;
}

/**
 * BridgePortFlags — isolated: the port cannot exchange frames with other isolated ports,
 * only with the bridge itself and non-isolated ports (how tsnet enforces --icc=false without
 * br_netfilter); hairpin: frames may leave by the port they came in on.
 */
export interface BridgePortFlags {
  isolated?: boolean | undefined;
  hairpin?: boolean | undefined;
}

export interface LinkOps {
  readonly backend: LinkOpsBackend;
  listLinks(): Promise<LinkInfo[]>;
  getLink(name: string): Promise<LinkInfo | undefined>;
  addBridge(name: string, opts?: { mtu?: number | undefined }): Promise<void>;
  addVeth(spec: VethSpec): Promise<void>;
  addMacvlan(spec: MacvlanSpec): Promise<void>;
  setLink(name: string, change: LinkChange): Promise<void>;
  /** Deletes a link; resolves quietly if it does not exist. */
  deleteLink(name: string): Promise<void>;
  listAddrs(ifname?: string): Promise<AddrInfo[]>;
  /**
   * noDad: the address is usable at once instead of "tentative" for a second or two of IPv6
   * duplicate address detection (Docker does the same; tsnet already keeps addresses unique
   * per segment in state). Meaningful for IPv6 only.
   */
  addAddr(ifname: string, cidr: string, opts?: { noDad?: boolean }): Promise<void>;
  /** Resolves quietly if the address is not there. */
  delAddr(ifname: string, cidr: string): Promise<void>;
  /** Routes of the main table. */
  listRoutes(family?: 4 | 6): Promise<RouteInfo[]>;
  addRoute(route: RouteSpec): Promise<void>;
  replaceRoute(route: RouteSpec): Promise<void>;
  /** Resolves quietly if the route is not there. */
  delRoute(route: RouteSpec): Promise<void>;
  /** Permanent neighbour entry (used for static ARP in labs). */
  addNeighbour(ifname: string, ip: string, mac: string): Promise<void>;
  /**
   * The port of `bridge` its forwarding database learnt `mac` on (the guest that sent it),
   * or undefined when the bridge has not seen that MAC from a port.
   */
  bridgePortOf(bridge: string, mac: string): Promise<string | undefined>;
  /**
   * Write /proc/sys/<key> in this namespace. The key is either dotted
   * ("net.ipv4.ip_forward") or, when an interface name inside it may contain dots,
   * slash-separated ("net/ipv4/conf/eth1.5/arp_notify"): a key containing '/' is used as is.
   */
  setSysctl(key: string, value: string): Promise<void>;
  readSysctl(key: string): Promise<string>;
  /** Release sockets; the object is unusable afterwards. */
  close(): void;
}

/** OpenLinkOps — opens a LinkOps on the current netns (no ref) or on the given netns. */
export type OpenLinkOps = (netns?: NetnsRef) => Promise<LinkOps>;
