/**
 * service — tsnet's embedded DNS, hosted by the lease keeper (the daemon, when one runs):
 * for every running container on a user-created network, a listener on 127.0.0.11:53 (UDP
 * and TCP) inside its network namespace. Names of containers sharing a network with the
 * asker are answered from state (names.ts); anything else is forwarded, over UDP from the
 * keeper's own namespace, to the container's upstream servers (written at its start), each
 * tried for 2 s, then SERVFAIL. Re-read on the keeper's reload (SIGHUP, every 2 s).
 */
import * as fs from 'node:fs';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Socket as TcpSocket } from 'node:net';
import { join } from 'node:path';
import { guestFromText } from '../netns/guest-ref.js';
import { tryResolveGuest, type ContainerLookup } from '../netns/guest.js';
import type { AttachmentRepo } from '../state/attachments.js';
import type { ContainerRepo } from '../state/containers.js';
import { DEFAULT_NETWORK, type NetworkRepo } from '../state/networks.js';
import { openListener, type Listener } from './listener.js';
import { DnsFormatError, RCODE, UDP_MAX, buildAnswer, errorAnswer, parseQuery } from './message.js';
import { lookup, type Member } from './names.js';

const FORWARD_TIMEOUT_MS = 2000;
const MAX_PENDING = 4096;
const TCP_IDLE_MS = 10000;

export interface DnsContext {
  readonly root: string;
  readonly attachments: AttachmentRepo;
  readonly containers: ContainerRepo;
  readonly networks: NetworkRepo;
  readonly containerLookup?: ContainerLookup | undefined;
}

/** upstreamFile — the servers the resolver forwards a container's other names to (JSON array); written at its start. */
export function upstreamFile(root: string, id: string): string {
  return join(root, 'containers', id, 'dns-upstream.json');
}

/** readyFile — written by the resolver once it listens in the container's netns (its netns id inside). */
export function readyFile(root: string, id: string): string {
  return join(root, 'containers', id, 'dns-ready');
}

/** members — every running container's names and address on each user-created network it is on. */
export function members(ctx: DnsContext): Member[] {
  const nets = new Map(ctx.networks.all().map((n) => [n.name, n]));
  const out: Member[] = [];
  for (const c of ctx.containers.all()) {
    if (c.state !== 'running' && c.state !== 'starting') continue;
    const atts = ctx.attachments.forGuest(undefined, `container:${c.name}`);
    for (const cn of ctx.containers.networks(c.id)) {
      const net = nets.get(cn.network);
      if (!net || cn.network === DEFAULT_NETWORK) continue; // Docker's default bridge has no embedded DNS either
      const ip = atts.find((a) => a.hostTarget === net.bridge)?.addresses.find((x) => !x.includes(':'))?.split('/')[0];
      if (!ip) continue;
      out.push({ containerId: c.id, network: cn.network, names: [c.name, c.id.slice(0, 12), ...cn.aliases].map((n) => n.toLowerCase()), ip });
    }
  }
  return out;
}

interface Endpoint { netnsId: string; listener: Listener; upstream: string[] }
interface Pending { reply: (b: Buffer) => void; id: number; msg: Buffer; servers: string[]; next: number; timer: NodeJS.Timeout }

export class DnsService {
  private readonly endpoints = new Map<string, Endpoint>();
  private table: Member[] = [];
  private forwarder: Socket | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = Math.floor(Math.random() * 65536);

  constructor(private readonly ctx: DnsContext, private readonly log: (m: string) => void) {}

  get size(): number { return this.endpoints.size; }

  /** reload — the table from state; listeners opened for new containers, closed for gone ones. */
  async reload(): Promise<void> {
    this.table = members(this.ctx);
    const wanted = new Map<string, string>();
    for (const m of this.table) wanted.set(m.containerId, m.containerId);
    for (const [id, ep] of this.endpoints) {
      const c = this.ctx.containers.byId(id);
      const g = c && wanted.has(id) ? tryResolveGuest(guestFromText(`container:${c.name}`), this.ctx.containerLookup) : undefined;
      const same = g?.netnsId === ep.netnsId;
      g?.close();
      if (!same) { ep.listener.close(); this.endpoints.delete(id); this.log(`dns: stopped answering in container ${c?.name ?? id.slice(0, 12)}`); }
    }
    for (const id of wanted.keys()) {
      const kept = this.endpoints.get(id);
      // The container's upstream servers may have changed (a DHCP lease, network connect).
      if (kept) { kept.upstream = readUpstream(this.ctx.root, id); continue; }
      const c = this.ctx.containers.byId(id)!;
      const guest = tryResolveGuest(guestFromText(`container:${c.name}`), this.ctx.containerLookup);
      if (!guest) continue;
      try {
        const listener = await openListener(guest, (s) => this.serveTcp(s, id));
        listener.udp.on('message', (msg, rinfo) => this.handle(msg, id, UDP_MAX, (b) => listener.udp.send(b, rinfo.port, rinfo.address)));
        listener.udp.on('error', (e) => this.log(`dns ${c.name}: ${e.message}`));
        this.endpoints.set(id, { netnsId: guest.netnsId, listener, upstream: readUpstream(this.ctx.root, id) });
        fs.writeFileSync(readyFile(this.ctx.root, id), guest.netnsId);
        this.log(`dns: answering in container ${c.name} on 127.0.0.11:53`);
      } catch (e) {
        this.log(`dns: cannot listen in container ${c.name}: ${(e as Error).message}`);
      } finally {
        guest.close();
      }
    }
  }

  close(): void {
    for (const ep of this.endpoints.values()) ep.listener.close();
    this.endpoints.clear();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.forwarder?.close();
    this.forwarder = undefined;
  }

  /** handle — one query from container `asker`: answered here, forwarded, or refused as malformed. */
  private handle(msg: Buffer, asker: string, max: number, reply: (b: Buffer) => void): void {
    let q;
    try {
      q = parseQuery(msg);
    } catch (e) {
      if (e instanceof DnsFormatError) { const err = errorAnswer(msg, RCODE.FORMERR); if (err) reply(err); }
      return;
    }
    if ((q.flags >> 11) & 0xf) { reply(buildAnswer(q, RCODE.NOTIMP, [])); return; }
    const r = lookup(this.table, asker, q);
    if (r !== 'forward') { reply(buildAnswer(q, r.rcode, r.answers, max)); return; }
    const upstream = this.endpoints.get(asker)?.upstream ?? [];
    if (upstream.length === 0 || this.pending.size >= MAX_PENDING) { reply(buildAnswer(q, RCODE.SERVFAIL, [])); return; }
    this.forward({ reply, id: q.id, msg: Buffer.from(msg), servers: upstream, next: 0, timer: undefined as unknown as NodeJS.Timeout });
  }

  /** forward — the query to the next upstream server under a fresh id; SERVFAIL when all fail. */
  private forward(p: Pending): void {
    const server = p.servers[p.next++];
    if (server === undefined) {
      p.reply(errorAnswer(p.msg, RCODE.SERVFAIL)!);
      return;
    }
    const id = this.nextId = (this.nextId + 1) & 0xffff;
    const out = Buffer.from(p.msg);
    out.writeUInt16BE(id, 0);
    p.timer = setTimeout(() => { this.pending.delete(id); this.forward(p); }, FORWARD_TIMEOUT_MS);
    this.pending.set(id, p);
    this.upstreamSocket().send(out, 53, server);
  }

  private upstreamSocket(): Socket {
    if (this.forwarder) return this.forwarder;
    const s = createSocket({ type: 'udp4' });
    s.on('message', (msg: Buffer, _r: RemoteInfo) => {
      if (msg.length < 12) return;
      const p = this.pending.get(msg.readUInt16BE(0));
      if (!p) return;
      this.pending.delete(msg.readUInt16BE(0));
      clearTimeout(p.timer);
      const back = Buffer.from(msg);
      back.writeUInt16BE(p.id, 0);
      p.reply(back);
    });
    s.on('error', (e) => this.log(`dns forwarder: ${e.message}`));
    this.forwarder = s;
    return s;
  }

  /** serveTcp — length-prefixed messages (RFC 7766), bounded, closed after 10 s idle. */
  private serveTcp(s: TcpSocket, asker: string): void {
    let buf = Buffer.alloc(0);
    s.setTimeout(TCP_IDLE_MS, () => s.destroy());
    s.on('error', () => s.destroy());
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 65537 * 2) { s.destroy(); return; }
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.handle(msg, asker, 65535, (answer) => {
          if (s.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(answer.length);
          s.write(Buffer.concat([len, answer]));
        });
      }
    });
  }
}

function readUpstream(root: string, id: string): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(upstreamFile(root, id), 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(x)) : [];
  } catch {
    return [];
  }
}
