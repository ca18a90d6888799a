/**
 * options — what the DHCP options mean (RFC 2132): the codes tsnet uses, the messages a
 * client sends, and the typed reading of a server's reply (Offer/Ack/Nak → Lease). Pure.
 * A reply whose options are inconsistent (no message type, a mask that is not a mask,
 * a wrongly sized address option) is a DhcpDecodeError, so a hostile packet can never
 * turn into a wrong address on an interface.
 * @pure
 */
import { DhcpDecodeError, bufToIp, ipToBuf, type DhcpPacket } from './packet.js';
import { decodeClasslessRoutes, type ClasslessRoute } from './classless-routes.js';

export const OPT = {
  subnetMask: 1, router: 3, dns: 6, hostname: 12, domain: 15, mtu: 26, requestedIp: 50,
  leaseTime: 51, messageType: 53, serverId: 54, paramList: 55, maxSize: 57, t1: 58, t2: 59,
  clientId: 61, classless: 121,
} as const;

export const MSG = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
export type MessageType = (typeof MSG)[keyof typeof MSG];
const MSG_NAMES = ['', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'];

export function messageName(t: number): string {
  return MSG_NAMES[t] ?? `type-${t}`;
}

/** DEFAULT_PARAMS — option 55 when the user asks for nothing else. */
export const DEFAULT_PARAMS = [OPT.subnetMask, OPT.router, OPT.dns, OPT.domain, OPT.mtu, OPT.leaseTime, OPT.t1, OPT.t2, OPT.classless];

/** Lease — everything a client applies and keeps from an ACK (times in seconds). */
export interface Lease {
  address: string;
  prefix: number;
  serverId: string;
  leaseSecs: number;
  t1Secs: number;
  t2Secs: number;
  routers: string[];
  dns: string[];
  domain?: string | undefined;
  mtu?: number | undefined;
  routes: ClasslessRoute[];
}

export function messageType(p: DhcpPacket): number {
  const v = p.options.get(OPT.messageType);
  if (!v || v.length !== 1) throw new DhcpDecodeError('no valid message type option (53)');
  return v[0]!;
}

function ips(p: DhcpPacket, code: number, name: string): string[] {
  const v = p.options.get(code);
  if (!v) return [];
  if (v.length === 0 || v.length % 4 !== 0) throw new DhcpDecodeError(`${name} (${code}) has length ${v.length}, not a multiple of 4`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(bufToIp(v, i));
  return out;
}

function u32(p: DhcpPacket, code: number, name: string): number | undefined {
  const v = p.options.get(code);
  if (!v) return undefined;
  if (v.length !== 4) throw new DhcpDecodeError(`${name} (${code}) has length ${v.length}, expected 4`);
  return v.readUInt32BE(0);
}

export function serverIdOf(p: DhcpPacket): string | undefined {
  const s = ips(p, OPT.serverId, 'server identifier');
  return s.length === 1 ? s[0] : undefined;
}

/** maskToPrefix — 255.255.255.0 → 24; a non-contiguous mask is an error. */
export function maskToPrefix(mask: string): number {
  const n = ipToBuf(mask).readUInt32BE(0);
  const prefix = 32 - Math.log2(((~n) >>> 0) + 1);
  if (!Number.isInteger(prefix)) throw new DhcpDecodeError(`subnet mask ${mask} is not contiguous`);
  return prefix;
}

/** classfulPrefix — the RFC 2132 fallback when a server sends no mask. */
function classfulPrefix(ip: string): number {
  const first = Number(ip.split('.')[0]);
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

/**
 * leaseOf — the lease an OFFER or ACK grants. T1/T2 default to 50%/87.5% (RFC 2131 §4.4.5)
 * and are clamped into order so a confused server cannot make the keeper renew after expiry.
 */
export function leaseOf(p: DhcpPacket, fallbackServer?: string): Lease {
  const address = p.yiaddr;
  if (address === '0.0.0.0' || address.startsWith('255.') || address.startsWith('127.') || Number(address.split('.')[0]) >= 224) {
    throw new DhcpDecodeError(`offered address ${address} is not a usable unicast address`);
  }
  const mask = ips(p, OPT.subnetMask, 'subnet mask');
  if (mask.length > 1) throw new DhcpDecodeError('subnet mask (1) carries more than one mask');
  const prefix = mask[0] ? maskToPrefix(mask[0]) : classfulPrefix(address);
  const serverId = serverIdOf(p) ?? fallbackServer;
  if (!serverId) throw new DhcpDecodeError('no server identifier (54)');
  const leaseSecs = u32(p, OPT.leaseTime, 'lease time') ?? 3600;
  if (leaseSecs === 0) throw new DhcpDecodeError('lease time (51) is zero');
  let t2Secs = u32(p, OPT.t2, 'rebinding time') ?? Math.floor(leaseSecs * 0.875);
  if (t2Secs >= leaseSecs) t2Secs = Math.floor(leaseSecs * 0.875);
  let t1Secs = u32(p, OPT.t1, 'renewal time') ?? Math.floor(leaseSecs / 2);
  if (t1Secs > t2Secs) t1Secs = Math.floor(t2Secs / 2);
  const mtuBuf = p.options.get(OPT.mtu);
  if (mtuBuf && mtuBuf.length !== 2) throw new DhcpDecodeError(`interface MTU (26) has length ${mtuBuf.length}, expected 2`);
  const mtu = mtuBuf?.readUInt16BE(0);
  const classless = p.options.get(OPT.classless);
  const domain = p.options.get(OPT.domain)?.toString('latin1').replace(/\0+$/, '');
  return {
    address, prefix, serverId, leaseSecs, t1Secs, t2Secs,
    routers: ips(p, OPT.router, 'router'), dns: ips(p, OPT.dns, 'domain name server'),
    domain: domain || undefined,
    // RFC 2132: MTU below 68 is invalid; ignored rather than breaking the interface.
    mtu: mtu !== undefined && mtu >= 68 ? mtu : undefined,
    routes: classless ? decodeClasslessRoutes(classless) : [],
  };
}

export interface ClientIdentity {
  mac: string;
  /** Option 61 bytes (type byte included). */
  clientId: Buffer;
  hostname?: string | undefined;
  params: number[];
}

export interface RequestFields {
  type: MessageType;
  xid: number;
  secs?: number;
  /** Our current address (RENEWING/REBINDING/RELEASE), else 0.0.0.0. */
  ciaddr?: string;
  requestedIp?: string;
  serverId?: string;
  /** Ask for a broadcast reply: true while the client has no address. */
  broadcast: boolean;
}

/** clientMessage — a client → server packet (DISCOVER, REQUEST, RELEASE, DECLINE). */
export function clientMessage(id: ClientIdentity, f: RequestFields): DhcpPacket {
  const options = new Map<number, Buffer>();
  options.set(OPT.messageType, Buffer.from([f.type]));
  options.set(OPT.clientId, id.clientId);
  if (f.requestedIp) options.set(OPT.requestedIp, ipToBuf(f.requestedIp));
  if (f.serverId) options.set(OPT.serverId, ipToBuf(f.serverId));
  if (f.type !== MSG.RELEASE && f.type !== MSG.DECLINE) {
    options.set(OPT.maxSize, Buffer.from([0x05, 0xdc])); // 1500
    if (id.hostname) options.set(OPT.hostname, Buffer.from(id.hostname, 'latin1'));
    options.set(OPT.paramList, Buffer.from(id.params));
  }
  return {
    op: 1, htype: 1, hlen: 6, hops: 0, xid: f.xid, secs: f.secs ?? 0, flags: f.broadcast ? 0x8000 : 0,
    ciaddr: f.ciaddr ?? '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: id.mac, options,
  };
}

export interface ReplyFields {
  type: MessageType;
  /** The request being answered: xid, chaddr, flags and giaddr are copied from it. */
  to: DhcpPacket;
  yiaddr?: string;
  serverId: string;
  /** Option code → value, appended after 53 and 54 (e.g. from leaseOptions). */
  extra?: Map<number, Buffer>;
}

/** serverReply — a server → client packet (OFFER, ACK, NAK). */
export function serverReply(f: ReplyFields): DhcpPacket {
  const options = new Map<number, Buffer>([[OPT.messageType, Buffer.from([f.type])], [OPT.serverId, ipToBuf(f.serverId)]]);
  for (const [code, v] of f.extra ?? []) options.set(code, v);
  return {
    op: 2, htype: 1, hlen: f.to.hlen, hops: 0, xid: f.to.xid, secs: 0, flags: f.to.flags,
    ciaddr: f.type === MSG.ACK ? f.to.ciaddr : '0.0.0.0', yiaddr: f.yiaddr ?? '0.0.0.0', siaddr: '0.0.0.0', giaddr: f.to.giaddr,
    chaddr: f.to.chaddr, options,
  };
}

/** leaseOptions — options 1, 3, 6, 26, 51, 58, 59 for an OFFER/ACK. */
export function leaseOptions(l: { prefix: number; leaseSecs: number; routers: string[]; dns: string[]; mtu?: number | undefined }): Map<number, Buffer> {
  const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
  const m = new Map<number, Buffer>();
  m.set(OPT.subnetMask, u32(l.prefix === 0 ? 0 : (0xffffffff << (32 - l.prefix)) >>> 0));
  if (l.routers.length) m.set(OPT.router, Buffer.concat(l.routers.map((r) => ipToBuf(r))));
  if (l.dns.length) m.set(OPT.dns, Buffer.concat(l.dns.map((r) => ipToBuf(r))));
  if (l.mtu) { const b = Buffer.alloc(2); b.writeUInt16BE(l.mtu); m.set(OPT.mtu, b); }
  m.set(OPT.leaseTime, u32(l.leaseSecs));
  m.set(OPT.t1, u32(Math.floor(l.leaseSecs / 2)));
  m.set(OPT.t2, u32(Math.floor(l.leaseSecs * 0.875)));
  return m;
}
