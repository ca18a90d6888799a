/**
 * server-logic — what tsnet's DHCP server answers, as a pure function of its config, its
 * lease table and one request (RFC 2131 §4.3): DISCOVER → OFFER, REQUEST → ACK/NAK,
 * RELEASE, DECLINE, INFORM. Addresses come from a static reservation for the MAC, else
 * the client's previous address, else the one it asks for, else the lowest never-used
 * one, else the one whose lease ran out first. Clients are hostile: a REQUEST in SELECTING
 * state is ACKed only for the address OFFERed to that client, INIT-REBOOT and renewals
 * only for that client's own lease (else NAK); one bridge port holds at most
 * clientLeaseCap leases (so a guest spoofing MACs cannot drain the range); strings from
 * packets reach logs and state escaped. The effectful side (server.ts) rate-limits, finds
 * the port, calls decide, writes the decision back and sends the reply.
 * @pure
 */
import { bufToIp, type DhcpPacket } from './packet.js';
import { MSG, OPT, leaseOptions, messageName, messageType, serverIdOf, serverReply } from './options.js';
import type { LeaseTable } from './lease-table.js';

export interface ServerConfig {
  serverIp: string;
  prefix: number;
  rangeStart: string;
  rangeEnd: string;
  leaseSecs: number;
  routers: string[];
  dns: string[];
  mtu?: number | undefined;
  /** MAC (lower-case) → reserved address. */
  reservations: Record<string, string>;
  /** Leases (offered or bound) the clients behind one bridge port may hold; default CLIENT_LEASE_CAP. */
  clientLeaseCap?: number | undefined;
}

export interface ServerLease {
  ip: string;
  /** Option 61 as hex, else "mac:" + chaddr; "declined:" + ip for a DECLINEd address. */
  clientKey: string;
  mac: string;
  hostname: string | null;
  state: 'offered' | 'bound' | 'declined';
  expiresAt: number;
  /** The bridge port the client is behind (its guest); null when unknown. */
  port?: string | null | undefined;
}

export interface Decision {
  reply?: { packet: DhcpPacket; to: string } | undefined;
  put?: ServerLease | undefined;
  /** A lease (by client key) to forget. */
  drop?: string | undefined;
  log: string;
}

/** How long an OFFER holds its address, and a DECLINEd address stays out of use. */
export const OFFER_HOLD_MS = 60_000;
export const DECLINE_HOLD_MS = 600_000;
/** A guest interface has one client; a few more allow a client-id change or a macvlan inside. */
export const CLIENT_LEASE_CAP = 4;
const BROADCAST = '255.255.255.255';

export const ipNum = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
export const numIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function clientKey(p: DhcpPacket): string {
  const id = p.options.get(OPT.clientId);
  return id && id.length > 0 ? id.toString('hex') : `mac:${p.chaddr}`;
}

/** printable — bytes from a packet as one short line: anything outside printable ASCII becomes \xHH. */
export function printable(b: Buffer, max = 64): string {
  let out = '';
  for (const c of b.subarray(0, max)) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return b.length > max ? `${out}...` : out;
}

/** decide — the answer to one request from a client behind bridge port `port`. */
export function decide(cfg: ServerConfig, table: LeaseTable, req: DhcpPacket, now: number, port: string | null = null): Decision {
  if (req.op !== 1) return { log: 'ignored a BOOTREPLY' };
  const type = messageType(req);
  const key = clientKey(req);
  const mine = table.byClient(key);
  const wantBuf = req.options.get(OPT.requestedIp);
  const want = wantBuf?.length === 4 ? bufToIp(wantBuf) : undefined;
  const hostBuf = req.options.get(OPT.hostname);
  const hostname = hostBuf ? printable(hostBuf) : mine?.hostname ?? null;
  const who = `${req.chaddr}${hostname ? ` (${hostname})` : ''}${port ? ` on ${port}` : ''}`;
  const reservedMine = cfg.reservations[req.chaddr];

  /** freeFor — may `ip` go to this client? */
  const freeFor = (ip: string): boolean => {
    const reserved = table.reservation(ip);
    if (reserved !== undefined) return reserved === req.chaddr;
    const n = ipNum(ip);
    if (n < ipNum(cfg.rangeStart) || n > ipNum(cfg.rangeEnd) || table.isTaken(ip)) return false;
    const l = table.at(ip);
    return !l || l.clientKey === key || l.expiresAt <= now;
  };
  const choose = (): string | undefined => {
    if (reservedMine) return reservedMine;
    if (mine && mine.state !== 'declined' && freeFor(mine.ip)) return mine.ip;
    if (want && freeFor(want)) return want;
    return table.lowestFree() ?? table.oldestExpired(now);
  };
  /** itsLease — `ip` is this client's: its reservation, or its bound lease still holding the address. */
  const itsLease = (ip: string): boolean => reservedMine === ip || (mine?.state === 'bound' && mine.ip === ip && table.at(ip) === mine);
  const lease = (ip: string, state: 'offered' | 'bound'): ServerLease => ({
    ip, clientKey: key, mac: req.chaddr, hostname, state, port, expiresAt: now + (state === 'offered' ? OFFER_HOLD_MS : cfg.leaseSecs * 1000),
  });
  const answer = (t: typeof MSG.OFFER | typeof MSG.ACK, ip: string): DhcpPacket =>
    serverReply({ type: t, to: req, yiaddr: ip, serverId: cfg.serverIp, extra: leaseOptions({ ...cfg, routers: cfg.routers }) });
  const to = req.ciaddr !== '0.0.0.0' ? req.ciaddr : BROADCAST;
  const nak = (why: string): Decision => ({
    reply: { packet: serverReply({ type: MSG.NAK, to: req, serverId: cfg.serverIp }), to: BROADCAST }, log: `NAK to ${who}: ${why}`,
  });
  const ack = (ip: string): Decision => ({ reply: { packet: answer(MSG.ACK, ip), to }, put: lease(ip, 'bound'), log: `ACK ${ip} to ${who} for ${cfg.leaseSecs}s` });

  switch (type) {
    case MSG.DISCOVER: {
      const cap = cfg.clientLeaseCap ?? CLIENT_LEASE_CAP;
      if (port && !reservedMine && table.heldBy(port, key, now) >= cap) return { log: `no OFFER to ${who}: its port already holds ${cap} leases` };
      const ip = choose();
      if (!ip) return { log: `no free address for ${who}: the range ${cfg.rangeStart}-${cfg.rangeEnd} is exhausted` };
      const keepBound = mine?.state === 'bound' && mine.ip === ip;
      return { reply: { packet: answer(MSG.OFFER, ip), to }, put: keepBound ? undefined : lease(ip, 'offered'), log: `OFFER ${ip} to ${who}` };
    }
    case MSG.REQUEST: {
      const server = serverIdOf(req);
      if (server !== undefined && server !== cfg.serverIp) {
        return { drop: mine?.state === 'offered' ? key : undefined, log: `${who} chose server ${server}` };
      }
      const asked = req.ciaddr !== '0.0.0.0' ? req.ciaddr : want;
      if (!asked) return { log: `ignored a REQUEST from ${who} without an address` };
      if (!inSubnet(cfg, asked)) return nak(`${asked} is not on this network`);
      if (server !== undefined) {
        // SELECTING: the answer to our OFFER, for exactly the offered address.
        const offered = mine !== undefined && mine.ip === asked && mine.state !== 'declined' && mine.expiresAt > now;
        return offered || reservedMine === asked ? ack(asked) : nak(`${asked} was not offered to it`);
      }
      // INIT-REBOOT (requested address) or RENEWING/REBINDING (ciaddr): its own lease only.
      return itsLease(asked) ? ack(asked) : nak(`${asked} is not its lease`);
    }
    case MSG.RELEASE:
      if (mine && mine.ip === req.ciaddr) return { drop: key, log: `RELEASE of ${req.ciaddr} by ${who}` };
      return { log: `ignored a RELEASE of ${req.ciaddr} by ${who}: not its lease` };
    case MSG.DECLINE:
      if (!want || !mine || mine.ip !== want) return { log: `ignored a DECLINE from ${who}` };
      return {
        drop: key,
        put: { ip: want, clientKey: `declined:${want}`, mac: req.chaddr, hostname: null, state: 'declined', port, expiresAt: now + DECLINE_HOLD_MS },
        log: `DECLINE of ${want} by ${who}: kept out of use for ${DECLINE_HOLD_MS / 60000} min`,
      };
    case MSG.INFORM: {
      const extra = leaseOptions({ ...cfg });
      for (const o of [OPT.leaseTime, OPT.t1, OPT.t2]) extra.delete(o);
      return { reply: { packet: serverReply({ type: MSG.ACK, to: req, serverId: cfg.serverIp, extra }), to }, log: `INFORM from ${who} at ${req.ciaddr}` };
    }
    default:
      return { log: `ignored a ${messageName(type)} from ${who}` };
  }
}

function inSubnet(cfg: ServerConfig, ip: string): boolean {
  const size = 2 ** (32 - cfg.prefix);
  return Math.floor(ipNum(ip) / size) === Math.floor(ipNum(cfg.serverIp) / size);
}
