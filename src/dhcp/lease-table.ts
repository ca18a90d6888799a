/**
 * lease-table — one DHCP server's leases in memory, indexed so that no answer scans them:
 * by client, by address, by bridge port (for the per-client cap), and a bitset of the
 * range's addresses that are leased or blocked (the gateway, static attachments, other
 * MACs' reservations), so the lowest free address is a word scan from a hint, not a walk
 * over tens of thousands of leases. Pure; server.ts keeps it equal to the state rows by
 * applying every decision to both.
 * @pure
 */
import { ipNum, numIp, type ServerConfig, type ServerLease } from './server-logic.js';

const WORD = 32;

export class LeaseTable {
  private readonly byKey = new Map<string, ServerLease>();
  private readonly byIp = new Map<number, ServerLease>();
  private readonly reservedFor = new Map<number, string>();
  private readonly byPort = new Map<string, Set<ServerLease>>();
  private readonly start: number;
  private readonly size: number;
  /** Bit i: start+i has a lease row (any state, expired or not). */
  private readonly leased: Uint32Array;
  /** Bit i: start+i is not the server's to hand out by range (gateway, static, reserved). */
  private blocked: Uint32Array;
  /** No free bit below this word. */
  private hint = 0;
  private takenSet: ReadonlySet<string> = new Set();

  constructor(private readonly cfg: ServerConfig, leases: readonly ServerLease[] = [], taken: ReadonlySet<string> = new Set()) {
    this.start = ipNum(cfg.rangeStart);
    this.size = Math.max(0, ipNum(cfg.rangeEnd) - this.start + 1);
    this.leased = new Uint32Array(Math.ceil(this.size / WORD));
    this.blocked = new Uint32Array(this.leased.length);
    for (const [mac, ip] of Object.entries(cfg.reservations)) this.reservedFor.set(ipNum(ip), mac);
    this.setTaken(taken);
    for (const l of leases) this.put(l);
  }

  /** setTaken — the addresses statically attached on the segment (refreshed by the server). */
  setTaken(taken: ReadonlySet<string>): void {
    this.blocked = new Uint32Array(this.leased.length);
    const block = (n: number): void => { const i = n - this.start; if (i >= 0 && i < this.size) this.blocked[i >>> 5]! |= 1 << (i & 31); };
    block(ipNum(this.cfg.serverIp));
    for (const ip of taken) block(ipNum(ip));
    for (const n of this.reservedFor.keys()) block(n);
    this.takenSet = taken;
    this.hint = 0;
  }

  byClient(key: string): ServerLease | undefined { return this.byKey.get(key); }
  at(ip: string): ServerLease | undefined { return this.byIp.get(ipNum(ip)); }
  reservation(ip: string): string | undefined { return this.reservedFor.get(ipNum(ip)); }
  isTaken(ip: string): boolean { return this.takenSet.has(ip) || ip === this.cfg.serverIp; }
  all(): ServerLease[] { return [...this.byKey.values()]; }

  /** heldBy — unexpired leases (offered or bound) of other clients behind `port`. */
  heldBy(port: string, exceptKey: string, now: number): number {
    let n = 0;
    for (const l of this.byPort.get(port) ?? []) if (l.clientKey !== exceptKey && l.state !== 'declined' && l.expiresAt > now) n++;
    return n;
  }

  /** put — a lease replacing this client's and whatever held its address (as the repository does). */
  put(l: ServerLease): void {
    this.drop(l.clientKey);
    const other = this.byIp.get(ipNum(l.ip));
    if (other) this.drop(other.clientKey);
    this.byKey.set(l.clientKey, l);
    this.byIp.set(ipNum(l.ip), l);
    if (l.port) {
      let set = this.byPort.get(l.port);
      if (!set) this.byPort.set(l.port, (set = new Set()));
      set.add(l);
    }
    this.mark(ipNum(l.ip), true);
  }

  drop(key: string): void {
    const l = this.byKey.get(key);
    if (!l) return;
    this.byKey.delete(key);
    const set = l.port ? this.byPort.get(l.port) : undefined;
    if (set) { set.delete(l); if (set.size === 0) this.byPort.delete(l.port!); }
    if (this.byIp.get(ipNum(l.ip)) === l) { this.byIp.delete(ipNum(l.ip)); this.mark(ipNum(l.ip), false); }
  }

  /** lowestFree — the lowest address of the range never leased (no row) and not blocked. */
  lowestFree(): string | undefined {
    for (let w = this.hint; w < this.leased.length; w++) {
      const free = ~(this.leased[w]! | this.blocked[w]!) >>> 0;
      if (free === 0) { this.hint = w + 1; continue; }
      const bit = 31 - Math.clz32(free & -free);
      const i = w * WORD + bit;
      if (i >= this.size) return undefined;
      this.hint = w;
      return numIp(this.start + i);
    }
    return undefined;
  }

  /**
   * oldestExpired — when every address has had a lease: the one whose lease ran out first
   * (RFC 2131 §4.3.1 prefers never-used addresses, then the least recently used).
   */
  oldestExpired(now: number): string | undefined {
    let best: ServerLease | undefined;
    for (const l of this.byIp.values()) {
      const n = ipNum(l.ip) - this.start;
      if (l.expiresAt > now || n < 0 || n >= this.size || this.blocked[n >>> 5]! & (1 << (n & 31))) continue;
      if (!best || l.expiresAt < best.expiresAt) best = l;
    }
    return best?.ip;
  }

  private mark(n: number, on: boolean): void {
    const i = n - this.start;
    if (i < 0 || i >= this.size) return;
    if (on) this.leased[i >>> 5]! |= 1 << (i & 31);
    else { this.leased[i >>> 5]! &= ~(1 << (i & 31)); this.hint = Math.min(this.hint, i >>> 5); }
  }
}
