/**
 * netlink-codec — the byte-level half of the netlink backend. netlink@0.3.0 types the
 * nested attributes (IFLA_LINKINFO, the veth peer, IFLA_LINK) and all addresses as raw
 * Buffers, so this file encodes them and decodes kernel messages into LinkOps records.
 * It is also the one place that loads the package: lazily, and only the rtnetlink
 * submodules (the package index costs +40 ms of start-up, dist/rt/rt about +25 ms).
 */
import { endianness } from 'node:os';
import { invalid } from '../core/errors.js';
import { formatIp, parseCidr, parseIp, type Family } from '../ipam/cidr.js';
import type { AddrInfo, BridgePortFlags, LinkInfo, RouteInfo } from './linkops.js';
import type * as RtModule from 'netlink/dist/rt/rt';
import type * as IflaModule from 'netlink/dist/rt/ifla';
import type * as StructsModule from 'netlink/dist/structs';
import type { AddressMessage, LinkMessage, RouteMessage } from 'netlink/dist/rt/structs';

export type RtSocket = RtModule.RtNetlinkSocket;
export type { AddressMessage, LinkMessage, RouteMessage };
export type { Route, RouteAttrs } from 'netlink/dist/rt/gen_structs';

interface Modules {
  rt: typeof RtModule;
  ifla: typeof IflaModule;
  structs: typeof StructsModule;
}
let modules: Modules | undefined;

/** nl — the package's rtnetlink modules, required on first use. */
export function nl(): Modules {
  /* tsnet-lint-disable no-require -- the netlink package's modules load on first use, not at CLI start-up */
  modules ??= {
    rt: require('netlink/dist/rt/rt') as typeof RtModule,
    ifla: require('netlink/dist/rt/ifla') as typeof IflaModule,
    structs: require('netlink/dist/structs') as typeof StructsModule,
  };
  /* tsnet-lint-enable no-require */
  return modules;
}

/** Request flags (linux/netlink.h). */
export const NLM_F = { REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400 } as const;
export const AF = { 4: 2, 6: 10 } as const; // AF_INET, AF_INET6
export const RT_TABLE_MAIN = 254;
export const RTN_UNICAST = 1 as const;
export const RTPROT_BOOT = 3 as const;
export const RT_SCOPE = { universe: 0, link: 253, host: 254, nowhere: 255 } as const;
const RTNH_F_ONLINK = 4;
const MACVLAN_MODE = { private: 1, vepa: 2, bridge: 4, passthru: 8 } as const;

/** u32 — host-order 32-bit attribute payload (IFLA_LINK is typed as a raw Buffer). */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(n);
  else b.writeUInt32BE(n);
  return b;
}

function flatten(data: StructsModule.StreamData): Buffer {
  const out = new (nl().structs.AttrStream)();
  out.emit(data);
  return Buffer.concat(out.bufs);
}

export function ipBytes(ip: string, what = 'IP address'): { family: Family; bytes: Buffer } {
  const { family, addr } = parseIp(ip, what);
  const hex = addr.toString(16).padStart(family === 4 ? 8 : 32, '0');
  return { family, bytes: Buffer.from(hex, 'hex') };
}

export function cidrBytes(cidr: string, what = 'address'): { family: Family; bytes: Buffer; prefix: number } {
  const c = parseCidr(cidr, what);
  return { family: c.family, prefix: c.prefix, bytes: ipBytes(formatIp(c.family, c.addr)).bytes };
}

export function ipText(bytes: Buffer): string {
  const family: Family = bytes.length === 4 ? 4 : 6;
  return formatIp(family, BigInt(`0x${bytes.toString('hex') || '0'}`));
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function macBytes(mac: string): Buffer {
  if (!MAC_RE.test(mac)) throw invalid(`MAC address "${mac}" is not of the form aa:bb:cc:dd:ee:ff`);
  return Buffer.from(mac.replace(/:/g, ''), 'hex');
}

/** macText — lower-case colon form; '' for links whose address is not a 6-byte MAC. */
export function macText(bytes: Buffer | undefined): string {
  if (!bytes || bytes.length !== 6) return '';
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function bridgeLinkinfo(): Buffer {
  return flatten(nl().ifla.formatInfo({ kind: 'bridge' }));
}

/** bridgePortLinkinfo — IFLA_LINKINFO { SLAVE_KIND "bridge", SLAVE_DATA { BRPORT_MODE, BRPORT_ISOLATED } }. */
export function bridgePortLinkinfo(flags: BridgePortFlags): Buffer {
  const { ifla } = nl();
  const u8 = (b: boolean): Buffer => Buffer.from([b ? 1 : 0]);
  const port = {
    mode: flags.hairpin === undefined ? undefined : flags.hairpin ? ifla.BridgePortMode.HAIRPIN : ifla.BridgePortMode.UNSPEC,
    isolated: flags.isolated === undefined ? undefined : u8(flags.isolated),
  };
  return flatten(ifla.formatInfo({ slaveKind: 'bridge', slaveData: flatten(ifla.formatBridgePort(port)) }));
}

/** vethLinkinfo — IFLA_INFO_DATA/VETH_INFO_PEER is an ifinfomsg followed by link attrs. */
export function vethLinkinfo(peer: { name: string; mac?: string | undefined; mtu?: number | undefined; netnsFd?: number | undefined }): Buffer {
  const { ifla } = nl();
  const peerMsg = Buffer.concat([
    Buffer.alloc(16), // an empty struct ifinfomsg
    flatten(ifla.formatLinkAttrs({
      ifname: peer.name,
      address: peer.mac === undefined ? undefined : macBytes(peer.mac),
      mtu: peer.mtu,
      netNsFd: peer.netnsFd,
    })),
  ]);
  return flatten(ifla.formatInfo({ kind: 'veth', data: flatten(ifla.formatVethInfo({ peer: peerMsg })) }));
}

export function macvlanLinkinfo(mode: keyof typeof MACVLAN_MODE): Buffer {
  const { ifla } = nl();
  if (!(mode in MACVLAN_MODE)) throw invalid(`macvlan mode "${mode}" is not one of ${Object.keys(MACVLAN_MODE).join(', ')}`);
  return flatten(ifla.formatInfo({ kind: 'macvlan', data: flatten(ifla.formatMacvlan({ mode: MACVLAN_MODE[mode] })) }));
}

export function routeFlags(onlink: boolean | undefined): { __unknown: number } | undefined {
  return onlink ? { __unknown: RTNH_F_ONLINK } : undefined;
}

function readU32(b: Buffer | undefined): number | undefined {
  if (!b || b.length < 4) return undefined;
  return endianness() === 'LE' ? b.readUInt32LE(0) : b.readUInt32BE(0);
}

export function toLinkInfo(m: LinkMessage): LinkInfo {
  const info = m.attrs.linkinfo ? nl().ifla.parseInfo(m.attrs.linkinfo) : undefined;
  const kind = info?.kind;
  const master = m.attrs.master;
  // BR_STATE_FORWARDING = 3 (include/uapi/linux/if_bridge.h)
  const portState = info?.slaveKind === 'bridge' && info.slaveData ? nl().ifla.parseBridgePort(info.slaveData).state : undefined;
  return {
    index: m.data.index ?? 0,
    name: m.attrs.ifname ?? '',
    kind: kind ?? 'device',
    mtu: m.attrs.mtu ?? 0,
    mac: macText(m.attrs.address),
    up: !!m.data.flags?.up,
    carrier: !!m.data.flags?.lowerUp,
    masterIndex: master ? master : undefined,
    linkIndex: readU32(m.attrs.link) || undefined,
    forwarding: portState === undefined ? undefined : portState === 3,
  };
}

export function toAddrInfo(m: AddressMessage, names: ReadonlyMap<number, string>): AddrInfo | undefined {
  const bytes = m.attrs.local ?? m.attrs.address;
  if (!bytes || (m.data.family !== AF[4] && m.data.family !== AF[6])) return undefined;
  return {
    ifname: names.get(m.data.index ?? 0) ?? `if${m.data.index}`,
    family: m.data.family === AF[4] ? 4 : 6,
    cidr: `${ipText(bytes)}/${m.data.prefixlen ?? 0}`,
  };
}

/**
 * enumName — the package decodes enums to their C names ('UNICAST', 'KERNEL', 'LINK') or
 * leaves unknown values as numbers; lower-cased they are the names iproute2 prints.
 */
function enumName(v: string | number | undefined, extra: Record<number, string> = {}): string {
  if (typeof v === 'string') return v.toLowerCase();
  return extra[v ?? 0] ?? String(v ?? 0);
}
const EXTRA_PROTOCOLS: Record<number, string> = { 18: 'keepalived', 99: 'openr' };

/** toRouteInfo — main-table unicast routes only; undefined for anything else. */
export function toRouteInfo(m: RouteMessage, names: ReadonlyMap<number, string>): RouteInfo | undefined {
  const table = m.attrs.table ?? m.data.table ?? 0;
  if (table !== RT_TABLE_MAIN || enumName(m.data.type) !== 'unicast' || m.data.flags?.cloned) return undefined;
  const family = m.data.family === AF[4] ? 4 : 6;
  const len = m.data.dstLen ?? 0;
  return {
    family,
    dst: len === 0 ? 'default' : `${ipText(m.attrs.dst ?? Buffer.alloc(family === 4 ? 4 : 16))}/${len}`,
    gateway: m.attrs.gateway ? ipText(m.attrs.gateway) : undefined,
    dev: m.attrs.oif ? names.get(m.attrs.oif) ?? `if${m.attrs.oif}` : undefined,
    scope: enumName(m.data.scope),
    metric: m.attrs.priority,
    onlink: ((m.data.flags?.__unknown ?? 0) & RTNH_F_ONLINK) !== 0 || undefined,
    table,
    protocol: enumName(m.data.protocol, EXTRA_PROTOCOLS),
  };
}
