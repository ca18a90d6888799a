/**
 * server — `tsnet daemon`: one long-lived process per state root that holds the engine
 * warm (state open, netlink socket up, firewall backend loaded, every module compiled) and
 * serves every CLI command over a unix socket (session.ts), many at once. It is also the
 * root's lease keeper (one long-lived process per root, not two) and holds the published
 * host ports (port-holder.ts). It works beside plain CLI processes on the same root: both
 * take the same locks and write the same intent records; the daemon is only faster.
 *
 * Lifecycle: the pidfile lock first (one daemon per root), then the engine and the keeper
 * role, then the socket (0660, root and the `tsnet` group if it exists; or the socket
 * systemd passes, LISTEN_FDS). SIGTERM/SIGINT: stop accepting (new clients run their
 * command themselves), let running requests finish, hand back the keeper role, remove the
 * socket and pidfile, exit 0. SIGHUP: reopen the log, re-read leases and ports.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TsnetError } from '../core/errors.js';
import { outsideScope, runInScope } from '../core/command-scope.js';
import type { EngineContext } from '../engine/context.js';
import type { LeaseKeeper } from '../dhcp/keeper.js';
import { keeperAlive } from '../dhcp/supervise.js';
import { resolveRoot } from '../state/db.js';
import { lendContexts } from '../cli/with-context.js';
import { load } from '../cli/load.js';
import { warmUp } from '../cli/warm-up.js';
import type { GlobalOpts } from '../cli/output.js';
import { CwdGate } from './cwd-gate.js';
import { DaemonLog } from './daemon-log.js';
import { groupId } from './peer.js';
import { pidfileFor, RUN_DIR, socketPathFor } from './paths.js';
import { Pidfile } from './pidfile.js';
import { PortHolder } from './port-holder.js';
import { routeProcessToCommands } from './routing.js';
import { serveSession, type Program, type SessionHost } from './session.js';
import { PROTOCOL } from './protocol.js';

/** The group whose members may use the daemon (Docker's `docker` group). */
export const DAEMON_GROUP = 'tsnet';
/** How often the held ports and the keeper catch up with changes CLI processes made. */
const POLL_MS = 2000;

export interface DaemonOptions {
  root?: string | undefined;
  socket?: string | undefined;
  log?: string | undefined;
  backend?: GlobalOpts['backend'];
}

export interface DaemonStatus {
  pid: number;
  root: string;
  socket: string;
  protocol: string;
  uptimeSeconds: number;
  served: number;
  running: number;
  rssBytes: number;
  heapUsedBytes: number;
  openFds: number;
  /** Handles, requests and timers keeping the event loop alive (process.getActiveResourcesInfo). */
  activeResources: number;
  heldPorts: number;
  keeper: boolean;
  /** Set when the installation on disk is not the code this daemon runs (restart it). */
  stale?: string | undefined;
}

export class Daemon {
  readonly root: string;
  readonly socketPath: string;
  private readonly log: DaemonLog;
  private readonly pidfile: Pidfile;
  private readonly ctx: EngineContext;
  private readonly gate = new CwdGate();
  private readonly ports: PortHolder;
  private readonly running = new Set<Promise<void>>();
  private readonly startedAt = Date.now();
  private readonly codeId: string;
  private readonly programs = new Map<string, Program>();
  private server: Server | undefined;
  /** The socket came from systemd (socket activation): it is systemd's to remove. */
  private activated = false;
  private keeper: LeaseKeeper | undefined;
  private poll: NodeJS.Timeout | undefined;
  private served = 0;
  private stopping: Promise<void> | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private readonly netns = ownNetns();
  private readonly group = groupId(DAEMON_GROUP);
  private stopped!: () => void;
  /** done — resolves when the daemon has stopped (after SIGTERM, SIGINT or stop()). */
  readonly done = new Promise<void>((resolve) => { this.stopped = resolve; });

  constructor(opts: DaemonOptions) {
    const root = resolveRoot(opts.root);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.root = realpathSync(root);
    mkdirSync(RUN_DIR, { recursive: true, mode: 0o755 });
    this.socketPath = opts.socket ?? socketPathFor(this.root);
    this.pidfile = Pidfile.take(pidfileFor(this.socketPath), `state root ${this.root}`);
    try {
      this.log = new DaemonLog(opts.log ?? join(this.root, 'daemon.log'));
    } catch (e) {
      this.pidfile.release();
      throw new TsnetError('EINVAL', `cannot open the daemon log: ${(e as Error).message}`);
    }
    this.ports = new PortHolder((m) => this.log.write(m));
    this.codeId = codeIdentity();
    const { EngineContext } = load.context();
    this.ctx = new EngineContext({ root: this.root, backend: opts.backend, portHolder: () => process.pid });
  }

  /** start — engine warm, keeper role taken, ports held, socket listening. */
  async start(): Promise<void> {
    warmUp(); // every command's modules compiled now, not on a client's time
    const ctx = this.ctx;
    void ctx.rootId;
    await ctx.hostLinks();
    if (ctx.networks.all().length > 0) await ctx.firewall();
    routeProcessToCommands();
    lendContexts((opts) => this.lend(opts));
    const { run } = require('../cli/main.js') as typeof import('../cli/main.js'); // tsnet-lint-disable-line no-require -- the CLI program and the CNI plugin load when the daemon starts serving, after its warm-up
    this.programs.set('tsnet', (hello, scope) => run(hello.argv, scope));
    // The CNI plugin (the client invoked as tsnet-cni, or with CNI_COMMAND and no arguments).
    const { runCni } = require('../cni/main.js') as typeof import('../cni/main.js'); // tsnet-lint-disable-line no-require -- the CLI program and the CNI plugin load when the daemon starts serving, after its warm-up
    this.programs.set('tsnet-cni', (_hello, scope) => runInScope(scope, () => runCni(scope.io!)));
    this.programs.set('status', async (_hello, scope) => {
      scope.io!.stdout.write(`${JSON.stringify(this.status())}\n`);
      return 0;
    });
    await this.takeKeeperRole();
    await this.syncPorts();
    this.server = await this.listen();
    this.poll = setInterval(() => { void this.syncPorts(); }, POLL_MS);
    this.poll.unref();
    process.on('SIGTERM', () => { void this.stop('SIGTERM'); });
    process.on('SIGINT', () => { void this.stop('SIGINT'); });
    process.on('SIGHUP', () => {
      this.log.reopen();
      void this.keeper?.reload();
      void this.syncPorts();
    });
    this.log.write(`daemon ${process.pid}: serving state root ${this.root} on ${this.socketPath} (${PROTOCOL})`);
  }

  /** stop — finishes what runs, then lets go of everything; resolves when done. */
  stop(why: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.write(`daemon ${process.pid}: ${why}: finishing ${this.running.size} running request(s)`);
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      await Promise.allSettled([...this.running]);
      if (this.poll) clearInterval(this.poll);
      this.keeper?.stop();
      this.ports.close();
      this.ctx.close();
      try { if (this.server && !this.activated) unlinkSync(this.socketPath); } catch { /* gone */ }
      this.log.write(`daemon ${process.pid}: stopped`);
      this.log.close();
      this.pidfile.release();
      this.stopped();
    })();
    return this.stopping;
  }

  status(): DaemonStatus {
    return {
      pid: process.pid, root: this.root, socket: this.socketPath, protocol: PROTOCOL,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      served: this.served, running: Math.max(0, this.running.size - 1), // not counting the status request itself
      rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed,
      openFds: readdirSync('/proc/self/fd').length, activeResources: process.getActiveResourcesInfo().length,
      heldPorts: this.ports.count, keeper: this.keeper !== undefined, stale: this.staleness(),
    };
  }

  /** lend — the warm context, to a command for this root with the daemon's options. */
  private lend(opts: GlobalOpts): EngineContext | undefined {
    if (opts.backend !== undefined && opts.backend !== this.ctx.backend) return undefined;
    if (opts.firewallBackend !== undefined) return undefined; // checked against the root by a context of its own
    let root: string;
    try { root = realpathSync(resolveRoot(opts.root)); } catch { return undefined; }
    return root === this.root ? this.ctx : undefined;
  }

  private listen(): Promise<Server> {
    const server = createServer((sock) => this.accept(sock));
    const fromSystemd = Number(process.env['LISTEN_PID']) === process.pid && Number(process.env['LISTEN_FDS']) >= 1;
    return new Promise((resolve, reject) => {
      server.once('error', (e) => reject(new TsnetError('EKERNEL', `cannot listen on ${this.socketPath}: ${e.message}`)));
      if (fromSystemd) {
        this.activated = true;
        server.listen({ fd: 3 }, () => resolve(server));
        return;
      }
      // The pidfile lock is ours, so a socket file left here is a dead daemon's.
      if (existsSync(this.socketPath)) unlinkSync(this.socketPath);
      server.listen(this.socketPath, () => {
        chmodSync(this.socketPath, 0o660);
        if (this.group !== undefined) chownSync(this.socketPath, 0, this.group);
        resolve(server);
      });
    });
  }

  private accept(sock: Socket): void {
    const session = (async () => {
      await serveSession(sock, this.host());
      this.served++;
      void this.syncPorts();
    })().catch((e: Error) => this.log.write(`request failed in the daemon: ${e.stack ?? e.message}`));
    this.running.add(session);
    void session.finally(() => this.running.delete(session));
  }

  private host(): SessionHost {
    return {
      log: this.log,
      netns: this.netns,
      group: this.group,
      gate: this.gate,
      programs: this.programs,
      refusal: () => (this.stopping ? 'the daemon is stopping' : this.staleness()),
    };
  }

  /** staleness — the installation was rebuilt or upgraded under the running daemon. */
  private staleness(): string | undefined {
    return codeIdentity() === this.codeId ? undefined : 'the installation changed since the daemon started; restart it';
  }

  /**
   * takeKeeperRole — the daemon keeps the leases itself. A keeper process that runs (started
   * by a CLI command before the daemon) is asked to stop first; the daemon resumes its leases
   * from state.
   */
  private async takeKeeperRole(): Promise<void> {
    const { LeaseKeeper } = load.keeper();
    const keeper = new LeaseKeeper(this.ctx);
    for (let attempt = 0; !keeper.claim(); attempt++) {
      const other = this.ctx.dhcpLeases.keeper();
      if (attempt >= 50) throw new TsnetError('ETIMEOUT', `the lease keeper (pid ${other?.pid}) did not stop for the daemon`);
      if (other && attempt % 10 === 0 && keeperAlive(other)) process.kill(other.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
    }
    this.keeper = keeper;
    outsideScope(() => { void keeper.run({ resident: true }); });
  }

  private syncPorts(): Promise<void> {
    this.syncing = this.syncing.then(() => this.ports.sync(this.ctx.ports.all())).catch((e: Error) => this.log.write(`holding ports: ${e.message}`));
    return this.syncing;
  }
}

/** ownNetns — "dev:ino" of the network namespace this process runs in. */
export function ownNetns(): string {
  const st = statSync('/proc/self/ns/net');
  return `${st.dev}:${st.ino}`;
}

/** codeIdentity — the file this code was loaded from, as it is on disk now (a rebuild renames a new one in). */
function codeIdentity(): string {
  try {
    const st = statSync(__filename);
    return `${st.ino}:${st.mtimeMs}`;
  } catch {
    return 'gone';
  }
}
