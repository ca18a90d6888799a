/**
 * keeper — the lease keeper: ONE long-lived process per state root that holds every DHCP
 * lease tsnet attached (renew at T1, rebind at T2, re-acquire after expiry), runs the
 * DHCP servers of networks made with --dhcp-server, and answers the embedded DNS of
 * containers on user-created networks (dns/service.ts). It reads leases and servers from state,
 * re-reads them on SIGHUP (attach, detach, network create/rm) and every few seconds, writes
 * each lease event to state and to its log, and exits once nothing is left to keep. Killed,
 * it loses nothing: the next tsnet command starts a new one, which resumes every lease from
 * state in the phase the clock says (supervise.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DhcpContext } from './dhcp-context.js';
import { guestFromText } from '../netns/guest-ref.js';
import type { LinkOps } from '../netlink/linkops.js';
import { tryResolveGuest, type ContainerLookup, type ResolvedGuest } from '../netns/guest.js';
import { openUdpSocket } from '../netns/udp-socket.js';
import type { KeptLease } from '../state/dhcp-leases.js';
import { applyLease, leaseCidr, removeLease } from './apply-lease.js';
import { resume, start, type BoundLease } from './client-machine.js';
import { clientIdentity } from './client-options.js';
import { CLIENT_PORT, ClientSession } from './session.js';
import { KEEPER_LOG, keeperAlive } from './supervise.js';
import { processStartTime } from '../core/owner.js';
import { DhcpServer } from './server.js';
import { KeeperLog } from './keeper-log.js';
import { DnsService, type DnsContext } from '../dns/service.js';
import { dnsDemand } from './supervise.js';

/** How often state is re-read without a SIGHUP (a detach whose signal was lost, a crash). */
const POLL_MS = 2000;

interface Held {
  session: ClientSession;
  guest: ResolvedGuest;
  links: LinkOps;
}

export class LeaseKeeper {
  private readonly held = new Map<number, Held>();
  /** DHCP servers by network id. */
  private readonly servers = new Map<number, DhcpServer>();
  /** Leases that cannot be kept (guest or interface gone): logged once, retried when their row changes. */
  private readonly skipped = new Map<number, string>();
  private reloading: Promise<void> = Promise.resolve();
  private stopRequested: (() => void) | undefined;
  private readonly logFile: KeeperLog;
  /** The embedded DNS, when the context knows containers (an EngineContext does). */
  private readonly dns: DnsService | undefined;

  constructor(private readonly ctx: DhcpContext) {
    this.logFile = new KeeperLog(join(ctx.root, KEEPER_LOG));
    if (ctx.containers && ctx.networks) this.dns = new DnsService(ctx as DhcpContext & DnsContext, (m) => this.log(m));
  }

  log(message: string): void {
    this.logFile.write(message);
  }

  /** claim — takes the keeper role, unless a live keeper (another process) holds it. */
  claim(): boolean {
    const startTime = processStartTime(process.pid) ?? '';
    return this.ctx.dhcpLeases.claimKeeper({ pid: process.pid, startTime, startedAt: new Date().toISOString() }, keeperAlive);
  }

  /** stop — as SIGTERM does to a keeper process: let go of every lease and the role. */
  stop(): void {
    this.stopRequested?.();
  }

  /**
   * run — claims the keeper role and keeps leases until none is left (or SIGTERM). With
   * `resident` (hosted by the daemon, which lives on anyway) it keeps the role while idle
   * and leaves the signals to its host, which calls reload() on SIGHUP and stop().
   */
  async run(opts: { resident?: boolean } = {}): Promise<void> {
    let wake: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => { wake = resolve; });
    let stopping = false;
    // Leaving is decided in the same transaction that gives up the role, so a lease recorded
    // meanwhile either is seen here or finds no keeper and starts a new one (supervise.ts).
    const check = (): void => {
      if (opts.resident) return;
      // A root removed under it (rm -rf of the state directory) leaves nothing to keep or to
      // record to; the keeper would otherwise hold its leases and serve its networks forever.
      if (!existsSync(join(this.ctx.root, 'state.db'))) { rootGone = true; wake(); return; }
      if (this.idle() && this.ctx.dhcpLeases.releaseKeeperIfIdle(process.pid)) wake();
    };
    let rootGone = false;
    this.stopRequested = () => { stopping = true; wake(); };
    // Handlers first: the pid becomes visible to other commands (which SIGHUP it) only on claim.
    if (!opts.resident) {
      process.on('SIGHUP', () => { void this.reload().then(check); });
      process.on('SIGTERM', () => this.stop());
    }
    if (!this.claim()) {
      this.log(`keeper ${process.pid}: another keeper is running; exiting`);
      return;
    }
    this.log(`keeper ${process.pid}: started${opts.resident ? ' (in the daemon)' : ''}`);
    const poll = setInterval(() => { void this.reload().then(check); }, POLL_MS);
    await this.reload();
    check();
    await stopped;
    clearInterval(poll);
    for (const id of [...this.held.keys()]) this.drop(id);
    for (const s of this.servers.values()) s.close();
    this.dns?.close();
    if (rootGone) return; // no log or record to write: the directory is gone
    this.ctx.dhcpLeases.releaseKeeper(process.pid);
    this.log(`keeper ${process.pid}: ${stopping ? 'stopped' : 'no leases left'}; exiting`);
  }

  private idle(): boolean {
    return this.held.size + this.skipped.size + this.servers.size + (this.dns?.size ?? 0) === 0 && dnsDemand(this.ctx) === 0;
  }

  /** reloadServers — starts the servers of new --dhcp-server networks, stops those of removed ones. */
  private async reloadServers(): Promise<void> {
    const records = this.ctx.dhcpServers.all();
    const ids = new Set(records.map((r) => r.networkId));
    for (const [id, s] of this.servers) if (!ids.has(id)) { s.close(); this.servers.delete(id); this.log(`server ${s.record.network}: network removed; stopped`); }
    for (const r of records) {
      if (this.servers.has(r.networkId)) continue;
      try {
        this.servers.set(r.networkId, await DhcpServer.open(this.ctx, r, (m) => this.log(m)));
        this.log(`server ${r.network}: serving ${r.config.rangeStart}-${r.config.rangeEnd} on ${r.bridge} (lease ${r.config.leaseSecs}s)`);
      } catch (e) {
        this.log(`server ${r.network}: cannot start on ${r.bridge}: ${(e as Error).message}`);
      }
    }
  }

  /** reload — starts keeping new lease rows, drops those that vanished (detached). Serialised. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      await this.reloadServers();
      await this.dns?.reload().catch((e: Error) => this.log(`dns: reload failed: ${e.message}`));
      const rows = this.ctx.dhcpLeases.kept();
      const ids = new Set(rows.map((r) => r.attachmentId));
      for (const id of [...this.held.keys()]) if (!ids.has(id)) { this.drop(id); this.log(`lease #${id}: detached; no longer kept`); }
      for (const row of rows) {
        // The keeper's fd and socket would keep a deleted guest netns (and its veth) alive: let go.
        if (this.held.has(row.attachmentId) && !guestStillThere(row, this.ctx.containerLookup)) {
          this.drop(row.attachmentId);
          this.skipped.set(row.attachmentId, row.updatedAt);
          this.log(`${row.guest} ${row.ctrIf}: the guest's network namespace is gone; lease dropped (tsnet detach or gc removes the record)`);
        }
      }
      for (const id of [...this.skipped.keys()]) if (!ids.has(id)) this.skipped.delete(id);
      for (const row of rows) {
        if (this.held.has(row.attachmentId) || this.skipped.get(row.attachmentId) === row.updatedAt) continue;
        try {
          await this.keep(row);
        } catch (e) {
          this.log(`${row.guest} ${row.ctrIf}: cannot keep the lease: ${(e as Error).message}`);
          this.skipped.set(row.attachmentId, row.updatedAt);
        }
      }
    }).catch((e: Error) => this.log(`reload failed: ${e.message}`));
    return this.reloading;
  }

  private drop(id: number): void {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    h.session.close();
    h.links.close();
    h.guest.close();
  }

  private async keep(row: KeptLease): Promise<void> {
    const who = `${row.guest} ${row.ctrIf}`;
    const guest = tryResolveGuest(guestFromText(row.guest), this.ctx.containerLookup);
    if (!guest || guest.netnsId !== row.netnsId) {
      guest?.close();
      throw new Error(`the guest's network namespace ${row.netnsId} is gone (tsnet detach or gc removes the record)`);
    }
    const links = await this.ctx.guestLinks(guest).catch((e: Error) => { guest.close(); throw e; });
    try {
      if (!(await links.getLink(row.ctrIf))) throw new Error(`${row.ctrIf} no longer exists in the guest`);
      const sock = await openUdpSocket(guest, { device: row.ctrIf, port: CLIENT_PORT });
      const id = row.attachmentId;
      let current = row.lease ?? undefined;
      const session = new ClientSession(sock, clientIdentity(row.mac, row.clientId, row.hostname ?? undefined, row.params), {
        log: (m) => this.log(`${who}: ${m}`),
        phase: (p) => { if (this.held.has(id)) this.ctx.dhcpLeases.update(id, p); },
        bound: async (lease: BoundLease) => {
          if (!this.held.has(id)) return;
          await applyLease(links, row.ctrIf, lease, current);
          this.record(id, row, 'BOUND', lease);
          current = lease;
        },
        lost: async (lease: BoundLease, why: string) => {
          if (!this.held.has(id)) return;
          await removeLease(links, row.ctrIf, lease);
          this.record(id, row, 'SELECTING', null);
          this.log(`${who}: removed ${leaseCidr(lease)} (${why})`);
          current = undefined;
        },
      });
      this.held.set(id, { session, guest, links });
      this.skipped.delete(id);
      const env = session.env();
      this.log(`${who}: keeping ${row.lease ? `${leaseCidr(row.lease)} (expires ${new Date(row.lease.boundAt + row.lease.leaseSecs * 1000).toISOString()})` : 'no lease yet; acquiring'}`);
      session.run(row.lease ? resume(env, row.lease) : start(env, this.ctx.dhcpLeases.remembered(row.clientId)));
    } catch (e) {
      if (!this.held.has(row.attachmentId)) { links.close(); guest.close(); }
      throw e;
    }
  }

  /** record — a lease granted, renewed, changed or lost: state row, address memory, ls addresses. */
  private record(id: number, row: KeptLease, phase: string, lease: BoundLease | null): void {
    this.ctx.dhcpLeases.update(id, phase, lease);
    if (lease) this.ctx.dhcpLeases.remember(row.clientId, lease.address);
    this.ctx.attachments.setAddresses(id, row.hostTarget, lease ? [leaseCidr(lease)] : []);
  }
}

/** guestStillThere — the guest's name still leads to the namespace the lease was made in. */
function guestStillThere(row: KeptLease, containers: ContainerLookup | undefined): boolean {
  try {
    const g = tryResolveGuest(guestFromText(row.guest), containers);
    const same = g?.netnsId === row.netnsId;
    g?.close();
    return same;
  } catch {
    return false;
  }
}
