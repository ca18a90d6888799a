/**
 * model — a lab resolved from its file: every name, address, route and tunnel decided, so
 * that `up` only executes it and `down` can undo it from the stored copy alone (the file
 * may have changed or gone). Pure data, JSON-serialisable; stored in the lab's record.
 * UPGRADE HAZARD: records written by older versions are read back with this shape; add
 * fields as optional.
 * @pure
 */
import type { Impairment } from './schema.js';

export const MODEL_VERSION = 1;

export interface LabModel {
  version: number;
  name: string;
  /** Prefix of every netns the lab makes: `${prefix}${lab}-${host|node|switch}`. */
  prefix: string;
  hosts: HostModel[];
  networks: NetworkModel[];
  nodes: NodeModel[];
  links: LinkModel[];
  routes: RouteModel[];
}

export interface HostModel {
  name: string;
  netns: string;
  /** The underlay interface and the host's address on it ("10.100.0.1/24"). */
  underlay: { ifname: string; cidr: string; ip: string; link: string | undefined };
}

export interface NetworkModel {
  host: string;
  bridge: string;
  subnet: string;
  /** The bridge's address ("192.168.115.2/24"), if it has one. */
  gatewayCidr: string | undefined;
  mtu: number | undefined;
  /** The same subnet lives on several hosts and is joined by /32 routes and proxy ARP. */
  stretched: boolean;
  routed: boolean;
  vxlan: { vni: number; port: number; device: string; remotes: Array<{ host: string; ip: string }> } | undefined;
}

export interface NodeModel {
  name: string;
  host: string;
  kind: 'netns' | 'container';
  netns: string;
  image: string | undefined;
  cmd: string[] | undefined;
}

/** LinkEnd — one interface of a link, in the netns it lives in. */
export interface LinkEnd {
  netns: string;
  ifname: string;
  /** Whose interface this is (host, node or switch name), for status and the graph. */
  owner: string;
  cidr?: string | undefined;
}

export interface AttachModel {
  node: string;
  host: string;
  bridge: string;
  ctrIf: string;
  /** Addresses, or [] for 0/0. */
  cidrs: string[];
  gateway: string | undefined;
  mac: string | undefined;
}

export interface LinkModel {
  name: string;
  kind: 'underlay' | 'attach' | 'p2p';
  /** underlay: switch (a bridge in a netns of its own) or veth (a wire between two hosts). */
  type: 'switch' | 'veth';
  /** Hosts the link joins (underlay), or the one host its nodes live on. */
  hosts: string[];
  ends: LinkEnd[];
  /** underlay switch: its netns and the port facing each host (same order as ends). */
  switchNetns?: string | undefined;
  switchPorts?: string[] | undefined;
  attach?: AttachModel | undefined;
  impair: Impairment | undefined;
}

/** RouteModel — a static route in a host's netns towards another host's nodes. */
export interface RouteModel {
  host: string;
  dst: string;
  via: string;
  dev: string;
  /** The host the route leads to (for status and reachability). */
  to: string;
}
