/**
 * server-logic — what tsnet's DHCP server answers, as a pure function of its config, the
 * leases in state and one request (RFC 2131 §4.3): DISCOVER → OFFER, REQUEST → ACK/NAK
 * (selecting, INIT-REBOOT, renewing, rebinding), RELEASE, DECLINE, INFORM. Addresses come
 * from a static reservation for the MAC, else the client's previous address, else the one
 * it asks for, else the lowest free one of the range. The effectful side (server.ts) reads
 * state, calls decide, writes the decision back and sends the reply.
 */
import { bufToIp, type DhcpPacket } from './packet.js';
import { MSG, OPT, leaseOptions, messageName, messageType, serverIdOf, serverReply } from './options.js';

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
}

export interface ServerLease {
  ip: string;
  /** Option 61 as hex, else "mac:" + chaddr; "declined:" + ip for a DECLINEd address. */
  clientKey: string;
  mac: string;
  hostname: string | null;
  state: 'offered' | 'bound' | 'declined';
  expiresAt: number;
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
const BROADCAST = '255.255.255.255';

export const ipNum = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
export const numIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function clientKey(p: DhcpPacket): string {
  const id = p.options.get(OPT.clientId);
  return id && id.length > 0 ? id.toString('hex') : `mac:${p.chaddr}`;
}

/**
 * decide — the answer to one request. `taken` are addresses in use on the segment by other
 * means (static attachments), never handed out.
 */
export function decide(cfg: ServerConfig, leases: ServerLease[], taken: ReadonlySet<string>, req: DhcpPacket, now: number): Decision {
  if (req.op !== 1) return { log: 'ignored a BOOTREPLY' };
  const type = messageType(req);
  const key = clientKey(req);
  const mine = leases.find((l) => l.clientKey === key);
  const wantBuf = req.options.get(OPT.requestedIp);
  const want = wantBuf?.length === 4 ? bufToIp(wantBuf) : undefined;
  const hostname = req.options.get(OPT.hostname)?.toString('latin1') ?? mine?.hostname ?? null;
  const who = `${req.chaddr}${hostname ? ` (${hostname})` : ''}`;

  /** free — may `ip` go to this client? */
  const free = (ip: string): boolean => {
    const n = ipNum(ip);
    if (n < ipNum(cfg.rangeStart) || n > ipNum(cfg.rangeEnd) || ip === cfg.serverIp || taken.has(ip)) return reservedFor(ip) === req.chaddr;
    const reserved = reservedFor(ip);
    if (reserved !== undefined && reserved !== req.chaddr) return false;
    return !leases.some((l) => l.ip === ip && l.clientKey !== key && l.expiresAt > now);
  };
  const reservedFor = (ip: string): string | undefined => Object.entries(cfg.reservations).find(([, r]) => r === ip)?.[0];
  const choose = (): string | undefined => {
    const reserved = cfg.reservations[req.chaddr];
    if (reserved) return reserved;
    if (mine && mine.state !== 'declined' && free(mine.ip)) return mine.ip;
    if (want && free(want)) return want;
    for (let n = ipNum(cfg.rangeStart); n <= ipNum(cfg.rangeEnd); n++) if (free(numIp(n))) return numIp(n);
    return undefined;
  };
  const lease = (ip: string, state: 'offered' | 'bound'): ServerLease => ({
    ip, clientKey: key, mac: req.chaddr, hostname, state, expiresAt: now + (state === 'offered' ? OFFER_HOLD_MS : cfg.leaseSecs * 1000),
  });
  const answer = (t: typeof MSG.OFFER | typeof MSG.ACK, ip: string): DhcpPacket =>
    serverReply({ type: t, to: req, yiaddr: ip, serverId: cfg.serverIp, extra: leaseOptions({ ...cfg, routers: cfg.routers }) });
  const to = req.ciaddr !== '0.0.0.0' ? req.ciaddr : BROADCAST;
  const nak = (why: string): Decision => ({
    reply: { packet: serverReply({ type: MSG.NAK, to: req, serverId: cfg.serverIp }), to: BROADCAST }, log: `NAK to ${who}: ${why}`,
  });

  switch (type) {
    case MSG.DISCOVER: {
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
      if (choose() !== asked) return nak(`${asked} is not available to it`);
      return { reply: { packet: answer(MSG.ACK, asked), to }, put: lease(asked, 'bound'), log: `ACK ${asked} to ${who} for ${cfg.leaseSecs}s` };
    }
    case MSG.RELEASE:
      if (mine && mine.ip === req.ciaddr) return { drop: key, log: `RELEASE of ${req.ciaddr} by ${who}` };
      return { log: `ignored a RELEASE of ${req.ciaddr} by ${who}: not its lease` };
    case MSG.DECLINE:
      if (!want || !mine || mine.ip !== want) return { log: `ignored a DECLINE from ${who}` };
      return {
        drop: key,
        put: { ip: want, clientKey: `declined:${want}`, mac: req.chaddr, hostname: null, state: 'declined', expiresAt: now + DECLINE_HOLD_MS },
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
