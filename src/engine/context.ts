/**
 * context — what every engine operation needs: the state root (database, repository,
 * root id) and a way to open LinkOps on a namespace. One context per state root; a
 * long-lived process (the future daemon) keeps it open and calls operations repeatedly,
 * so nothing here is a per-process global.
 */
import { openDatabase, resolveRoot, type Database } from '../state/db.js';
import { AttachmentRepo } from '../state/attachments.js';
import { CreatedBridgeRepo } from '../state/bridges.js';
import { NetworkRepo } from '../state/networks.js';
import { PortRepo } from '../state/ports.js';
import { DhcpLeaseRepo } from '../state/dhcp-leases.js';
import { DhcpServerRepo } from '../state/dhcp-servers.js';
import { ContainerRepo } from '../state/containers.js';
import { containerNetnsPaths } from '../runtime/process.js';
import type { ContainerLookup } from '../netns/guest.js';
import { IntentRepo } from '../state/intents.js';
import { HostLock } from './host-lock.js';
import type { Resolution } from './settle.js';
import { metaValue, rootId as readRootId, setMeta, setMetaOnce } from '../state/meta.js';
import { chooseBackend, firewallBackend } from '../nat/select-backend.js';
import type { FirewallBackend } from '../nat/firewall.js';
import type { LinkOps, LinkOpsBackend, NetnsRef } from '../netlink/linkops.js';
import { openLinkOps } from '../netlink/index.js';
import { FrameSender } from '../netns/packet-socket.js';

export interface EngineOptions {
  root?: string | undefined;
  backend?: LinkOpsBackend | undefined;
  /** --firewall-backend: only ever used for the state root's first choice (see nat/select-backend.ts). */
  firewallBackend?: string | undefined;
  /**
   * The netns that plays "the host" for this root, when it is not the process's own: a lab
   * drives several simulated hosts, each with its own root, from one process.
   */
  hostNetns?: NetnsRef | undefined;
  /**
   * The pid of the process that holds this root's published host ports (its daemon), when
   * one runs: its sockets are not another program's (network/host-port.ts). Asked lazily.
   */
  portHolder?: (() => number | undefined) | undefined;
}

export class EngineContext {
  readonly root: string;
  readonly backend: LinkOpsBackend | undefined;
  readonly firewallRequest: string | undefined;
  readonly hostNetns: NetnsRef | undefined;
  readonly portHolder: (() => number | undefined) | undefined;
  private firewallHandle: Promise<FirewallBackend> | undefined;
  private dbHandle: Database | undefined;
  /** Repositories over the open database, made on first use (keyed by class). */
  private readonly repos = new Map<new (db: Database) => unknown, unknown>();
  private rootIdValue: string | undefined;
  private hostLinksHandle: Promise<LinkOps> | undefined;
  /** The lock for host-wide kernel state (engine/host-lock.ts): `ctx.hostLock.withLock(what, fn)`. */
  readonly hostLock: HostLock;
  private hostFramesHandle: FrameSender | undefined;

  constructor(opts: EngineOptions = {}) {
    this.root = resolveRoot(opts.root);
    this.backend = opts.backend;
    this.firewallRequest = opts.firewallBackend;
    this.hostNetns = opts.hostNetns;
    this.portHolder = opts.portHolder;
    this.hostLock = new HostLock(undefined, opts.hostNetns?.path);
  }

  /** db — opened on first use, so --dry-run and pure commands never create a state root. */
  get db(): Database {
    this.dbHandle ??= openDatabase(this.root);
    return this.dbHandle;
  }

  private repo<T>(Repo: new (db: Database) => T): T {
    let r = this.repos.get(Repo) as T | undefined;
    if (!r) this.repos.set(Repo, (r = new Repo(this.db)));
    return r;
  }

  get attachments(): AttachmentRepo { return this.repo(AttachmentRepo); }
  get createdBridges(): CreatedBridgeRepo { return this.repo(CreatedBridgeRepo); }
  get networks(): NetworkRepo { return this.repo(NetworkRepo); }
  get ports(): PortRepo { return this.repo(PortRepo); }
  get dhcpLeases(): DhcpLeaseRepo { return this.repo(DhcpLeaseRepo); }
  get dhcpServers(): DhcpServerRepo { return this.repo(DhcpServerRepo); }
  get containers(): ContainerRepo { return this.repo(ContainerRepo); }

  /** containerLookup — how guest resolution finds this root's containers' network namespaces. */
  readonly containerLookup: ContainerLookup = (name) => {
    const c = this.containers.byName(name);
    return c && containerNetnsPaths(c);
  };
  get intents(): IntentRepo { return this.repo(IntentRepo); }

  /** meta — the root's small facts (state/meta.ts), e.g. the host netns its keeper runs in. */
  readonly meta = {
    get: (key: string): string | undefined => metaValue(this.db, key),
    setOnce: (key: string, value: string): void => setMetaOnce(this.db, key, value),
    set: (key: string, value: string): void => setMeta(this.db, key, value),
  };

  /** dbOpened — whether this command touched state (the keeper check runs only then). */
  get dbOpened(): boolean { return this.dbHandle !== undefined; }

  get rootId(): string {
    this.rootIdValue ??= readRootId(this.db);
    return this.rootIdValue;
  }

  /**
   * hostLinks — LinkOps on tsnet's own netns (or hostNetns), opened once per context and shared by every
   * operation (a long-lived process pays for the socket once). Do not close it; close() does.
   */
  hostLinks(): Promise<LinkOps> {
    this.hostLinksHandle ??= openLinkOps(this.hostNetns, this.backend);
    return this.hostLinksHandle;
  }

  /**
   * hostFrames — a packet socket on tsnet's own netns (or hostNetns) for gratuitous ARPs, kept open for the
   * context's life: closing one costs an RCU grace period (~11 ms), more than an attach.
   */
  hostFrames(): FrameSender {
    this.hostFramesHandle ??= new FrameSender(this.hostNetns);
    return this.hostFramesHandle;
  }

  /**
   * firewall — the state root's firewall backend, chosen on first use and stored in meta;
   * a different --firewall-backend later is an error (its rules would be stranded).
   * `dryRun`: the backend a real run would use, stored nowhere (a plan printed with
   * --dry-run must not decide the root's backend).
   */
  firewall(opts: { dryRun?: boolean | undefined } = {}): Promise<FirewallBackend> {
    const choose = async (store: boolean): Promise<FirewallBackend> => {
      const choice = await chooseBackend(metaValue(this.db, 'firewall_backend'), this.firewallRequest, this.networks.all().length > 0);
      if (!store || !choice.store) return firewallBackend(choice.name);
      setMetaOnce(this.db, 'firewall_backend', choice.name);
      return firewallBackend(metaValue(this.db, 'firewall_backend') as typeof choice.name); // a concurrent first run may have won
    };
    if (opts.dryRun) return choose(false);
    this.firewallHandle ??= choose(true);
    return this.firewallHandle;
  }

  /**
   * settle — finishes or undoes what a dead process left on an object (engine/settle.ts),
   * telling the user which; commands call it before they touch the object.
   */
  settle(object: string): Promise<Resolution[]> {
    // tsnet-lint-disable-next-line no-require -- settle.ts imports this file; loaded at the call, only by commands that settle
    return (require('./settle.js') as typeof import('./settle.js')).settleObject(this, object);
  }

  /**
   * settleAll — `tsnet gc`: every record a dead process left, finished or undone (or, in a
   * dry run, what would be), one resolution each; a failing one never stops the rest.
   */
  settleAll(opts: { dryRun?: boolean | undefined } = {}): Promise<Resolution[]> {
    // tsnet-lint-disable-next-line no-require -- settle.ts imports this file; loaded at the call, only by commands that settle
    return (require('./settle.js') as typeof import('./settle.js')).settlePending(this, opts);
  }

  /** guestLinks — a fresh LinkOps inside a guest netns; the caller closes it. */
  guestLinks(netns: NetnsRef): Promise<LinkOps> {
    return openLinkOps(netns, this.backend);
  }

  close(): void {
    void this.hostLinksHandle?.then((l) => l.close(), () => undefined);
    this.hostLinksHandle = undefined;
    this.hostLock.close();
    this.hostFramesHandle?.close();
    this.hostFramesHandle = undefined;
    this.dbHandle?.close();
    this.dbHandle = undefined;
    this.repos.clear();
  }
}
