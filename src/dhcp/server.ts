/**
 * server — tsnet's DHCP server on one network bridge, run inside the lease keeper. Every
 * client is presumed hostile. A request passes, in order: the bridge port its chaddr was
 * learnt on (from a short cache, else the bridge's forwarding database within a budget of
 * lookups; a chaddr the bridge never saw from a port is spoofed: dropped), that port's
 * rate limit, decoding, the segment's rate limit, then server-logic over the in-memory
 * lease table (lease-table.ts, so an answer costs the same with 30,000 leases as with 3).
 * The decision is written to state, then to the table, before the reply leaves: nothing
 * is promised that state does not hold. Addresses statically attached on the bridge are
 * never handed out. Drops are summarised in the log once per interval.
 */
import type { Socket } from 'node:dgram';
import type { DhcpContext } from './dhcp-context.js';
import { openUdpSocket } from '../netns/udp-socket.js';
import type { ServerRecord } from '../state/dhcp-servers.js';
import { LeaseTable } from './lease-table.js';
import { DhcpDecodeError, decode, encode, type DhcpPacket } from './packet.js';
import { RateLimiter } from './rate-limit.js';
import { decide } from './server-logic.js';
import { CLIENT_PORT, SERVER_PORT } from './session.js';

/** How often dropped requests are summarised in the log. */
const SUMMARY_MS = 10_000;
/** Requests waiting at most; more are dropped (the rate limits keep this short). */
const MAX_QUEUE = 256;
/** How long a MAC's port is trusted without asking the bridge again, and how many are kept. */
const PORT_TTL_MS = 30_000;
const MAX_PORTS = 4096;
/** chaddr: bytes 28-33 of a BOOTP message. */
const CHADDR = 28;

export class DhcpServer {
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly limiter = new RateLimiter();
  private readonly summaries: NodeJS.Timeout;
  private seenVersion = -1;
  private readonly ports = new Map<string, { port: string; until: number }>();

  private constructor(private readonly ctx: DhcpContext, private readonly sock: Socket, readonly record: ServerRecord, private readonly table: LeaseTable, private readonly log: (m: string) => void) {
    this.summaries = setInterval(() => { const s = this.limiter.summary(); if (s) this.say(s); }, SUMMARY_MS);
    this.summaries.unref();
  }

  static async open(ctx: DhcpContext, record: ServerRecord, log: (m: string) => void): Promise<DhcpServer> {
    const sock = await openUdpSocket(undefined, { device: record.bridge, port: SERVER_PORT });
    const table = new LeaseTable(record.config, ctx.dhcpServers.leases(record.networkId));
    const server = new DhcpServer(ctx, sock, record, table, log);
    server.refreshTaken();
    sock.on('message', (b: Buffer) => server.onDatagram(b));
    sock.on('error', (e) => server.say(`socket error: ${e.message}`));
    return server;
  }

  private say(m: string): void {
    this.log(`server ${this.record.network}: ${m}`);
  }

  /** onDatagram — the cheap checks at once, the rest in arrival order. */
  private onDatagram(b: Buffer): void {
    if (b.length < CHADDR + 6 || this.queued >= MAX_QUEUE) { this.limiter.drop('malformed or queue full'); return; }
    const mac = [...b.subarray(CHADDR, CHADDR + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    const now = Date.now();
    const known = this.ports.get(mac);
    if (known && known.until > now) {
      if (!this.limiter.clientAllows(known.port, now)) return;
    } else if (!this.limiter.lookupAllows(now)) {
      return;
    }
    this.queued++;
    this.queue = this.queue.then(() => this.handle(b, mac, known && known.until > now ? known.port : undefined))
      .catch((e: Error) => this.say(`error: ${e.message}`)).finally(() => { this.queued--; });
  }

  /** portOf — the bridge port the bridge learnt `mac` on, remembered for PORT_TTL_MS. */
  private async portOf(mac: string): Promise<string | undefined> {
    const port = await (await this.ctx.hostLinks()).bridgePortOf(this.record.bridge, mac);
    if (!port) return undefined;
    if (this.ports.size >= MAX_PORTS) this.ports.delete(this.ports.keys().next().value!);
    this.ports.set(mac, { port, until: Date.now() + PORT_TTL_MS });
    return port;
  }

  private async handle(b: Buffer, mac: string, cached: string | undefined): Promise<void> {
    let port = cached;
    if (!port) {
      port = await this.portOf(mac);
      if (!port) { this.limiter.drop(`a MAC ${this.record.bridge} never saw from a port (spoofed chaddr)`); return; }
      if (!this.limiter.clientAllows(port, Date.now())) return;
    }
    let req: DhcpPacket;
    try {
      req = decode(b);
    } catch (e) {
      if (e instanceof DhcpDecodeError) { this.limiter.drop('malformed'); return; }
      throw e;
    }
    const now = Date.now();
    if (!this.limiter.segmentAllows(now)) return;
    this.refreshTaken();
    const d = decide(this.record.config, this.table, req, now, port);
    const { networkId } = this.record;
    if (d.put || d.drop) {
      this.ctx.dhcpServers.apply(networkId, d.put, d.drop);
      if (d.drop) this.table.drop(d.drop);
      if (d.put) this.table.put(d.put);
    }
    this.say(d.log);
    if (d.reply) {
      const to = d.reply.to;
      this.sock.send(encode(d.reply.packet), CLIENT_PORT, to, (err) => { if (err) this.say(`reply to ${to} failed: ${err.message}`); });
    }
  }

  /**
   * refreshTaken — addresses attached statically on the bridge (except those this server
   * leased), re-read only when another process committed to state since the last look.
   */
  private refreshTaken(): void {
    const version = this.ctx.dhcpServers.dataVersion();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    const leased = new Set(this.table.all().map((l) => l.ip));
    const bridge = this.record.bridge;
    this.table.setTaken(new Set(this.ctx.attachments.all().filter((a) => a.hostTarget === bridge)
      .flatMap((a) => a.addresses.map((c) => c.split('/')[0]!)).filter((ip) => !leased.has(ip))));
  }

  close(): void {
    clearInterval(this.summaries);
    try { this.sock.close(); } catch { /* already closed */ }
  }
}
