/**
 * session — drives one client-machine over a real socket: sends what the machine says,
 * feeds it replies and timer expiries, and hands leases to hooks (apply to the interface,
 * record in state, log). Hooks run one at a time in order, so a renewal can never be
 * applied before the acquisition it follows. Malformed datagrams are logged and dropped.
 */
import type { Socket } from 'node:dgram';
import { DhcpDecodeError, decode, encode } from './packet.js';
import type { ClientIdentity } from './options.js';
import { onPacket, onTimer, type BoundLease, type ClientState, type Env, type Phase, type Transition } from './client-machine.js';
import { randomBytes } from 'node:crypto';

export const SERVER_PORT = 67;
export const CLIENT_PORT = 68;
/** setTimeout cannot wait longer than 2^31-1 ms; longer timers are re-armed. */
const MAX_TIMER = 2 ** 31 - 1;

export interface SessionHooks {
  bound(lease: BoundLease, previous: BoundLease | undefined): Promise<void> | void;
  lost(lease: BoundLease, why: string): Promise<void> | void;
  log(message: string): void;
  /** Every phase change (for state and ls). */
  phase?(phase: Phase, state: ClientState): void;
}

export class ClientSession {
  private state: ClientState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly sock: Socket, private readonly id: ClientIdentity, private readonly hooks: SessionHooks) {
    sock.on('message', (b: Buffer) => this.onDatagram(b));
    sock.on('error', (e) => hooks.log(`socket error: ${e.message}`));
  }

  get phase(): Phase | undefined { return this.state?.phase; }

  env(): Env {
    return { id: this.id, now: Date.now(), newXid: () => randomBytes(4).readUInt32BE(0) };
  }

  /** run — feeds a transition (from start/resume/onPacket/onTimer) through the actions. */
  run(t: Transition): void {
    if (this.closed) return;
    const before = this.state?.phase;
    this.state = t.state;
    for (const a of t.actions) {
      if (a.kind === 'send') {
        this.sock.send(encode(a.packet), SERVER_PORT, a.to, (err) => { if (err) this.hooks.log(`send to ${a.to} failed: ${err.message}`); });
      } else if (a.kind === 'log') {
        this.hooks.log(a.message);
      } else {
        this.enqueue(() => (a.kind === 'bound' ? this.hooks.bound(a.lease, a.previous) : this.hooks.lost(a.lease, a.why)));
      }
    }
    if (before !== t.state.phase) this.hooks.phase?.(t.state.phase, t.state);
    this.arm();
  }

  private enqueue(fn: () => Promise<void> | void): void {
    this.chain = this.chain.then(fn).catch((e: Error) => this.hooks.log(`error: ${e.message}`));
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (!this.state || this.closed) return;
    const wait = Math.max(0, Math.min(MAX_TIMER, this.state.wakeAt - Date.now()));
    this.timer = setTimeout(() => this.state && this.run(onTimer(this.state, this.env())), wait);
  }

  private onDatagram(b: Buffer): void {
    if (!this.state || this.closed) return;
    let packet;
    try {
      packet = decode(b);
    } catch (e) {
      if (e instanceof DhcpDecodeError) { this.hooks.log(`dropped a malformed datagram: ${e.message}`); return; }
      throw e;
    }
    this.run(onPacket(this.state, this.env(), packet));
  }

  /** settled — resolves once every queued hook has run. */
  settled(): Promise<void> { return this.chain; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    try { this.sock.close(); } catch { /* already closed */ }
  }
}
