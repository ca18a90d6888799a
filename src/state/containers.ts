/**
 * containers — the repository for containers, their networks (in interface order) and the
 * `tsnet attach` requests to make again at each start. State changes go through
 * transition(): one UPDATE guarded by the states it may leave, so of two callers starting
 * (or removing) the same container at once exactly one wins.
 */
import { TsnetError } from '../core/errors.js';
import { prepare, type Database } from './db.js';
import { DEFAULT_NETWORK } from './networks.js';

export type ContainerState = 'created' | 'starting' | 'running' | 'stopping' | 'exited' | 'removing';

export interface ContainerRecord {
  id: string;
  name: string;
  imageId: string;
  image: string;
  /** JSON of runtime/config.ts's ContainerConfig. */
  config: unknown;
  state: ContainerState;
  opPid: number | null;
  opStart: string | null;
  pid: number | null;
  pidStart: string | null;
  shimPid: number | null;
  shimStart: string | null;
  netns: string | null;
  exitCode: number | null;
  oomKilled: boolean;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  restartCount: number;
}

export interface ContainerNetworkRecord {
  network: string;
  position: number;
  ip: string | null;
  mac: string | null;
  aliases: string[];
}

interface Row {
  id: string; name: string; image_id: string; image: string; config: string; state: ContainerState;
  op_pid: number | null; op_start: string | null; pid: number | null; pid_start: string | null;
  shim_pid: number | null; shim_start: string | null; netns: string | null; exit_code: number | null;
  oom_killed: number; error: string | null; created_at: string; started_at: string | null;
  finished_at: string | null; restart_count: number;
}

const toRecord = (r: Row): ContainerRecord => ({
  id: r.id, name: r.name, imageId: r.image_id, image: r.image, config: JSON.parse(r.config) as unknown, state: r.state,
  opPid: r.op_pid, opStart: r.op_start, pid: r.pid, pidStart: r.pid_start, shimPid: r.shim_pid, shimStart: r.shim_start,
  netns: r.netns, exitCode: r.exit_code, oomKilled: r.oom_killed === 1, error: r.error, createdAt: r.created_at,
  startedAt: r.started_at, finishedAt: r.finished_at, restartCount: r.restart_count,
});

export interface NewContainer {
  id: string; name: string; imageId: string; image: string; config: unknown;
  networks: Array<Omit<ContainerNetworkRecord, 'position'>>;
}

export class ContainerRepo {
  constructor(private readonly db: Database) {}

  /** insert — the container and its networks in one transaction; a taken name is ECONFLICT. */
  insert(c: NewContainer): void {
    try {
      this.db.transaction(() => {
        prepare(this.db, `INSERT INTO containers (id, name, image_id, image, config, state, created_at)
          VALUES (?, ?, ?, ?, ?, 'created', ?)`).run(c.id, c.name, c.imageId, c.image, JSON.stringify(c.config), new Date().toISOString());
        c.networks.forEach((n, i) => this.insertNetwork(c.id, i, n));
      }).immediate();
    } catch (e) {
      if (String((e as Error).message).includes('UNIQUE constraint failed: containers.name')) {
        const holder = this.byName(c.name);
        throw new TsnetError('ECONFLICT', `the container name "${c.name}" is already in use by container ${holder?.id.slice(0, 12) ?? '?'}; remove it (tsnet rm) or pick another --name`);
      }
      throw e;
    }
  }

  private insertNetwork(id: string, position: number, n: Omit<ContainerNetworkRecord, 'position'>): void {
    prepare(this.db, 'INSERT INTO container_networks (container_id, position, network, ip, mac, aliases) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, position, n.network, n.ip, n.mac, JSON.stringify(n.aliases));
  }

  byName(name: string): ContainerRecord | undefined {
    const r = prepare(this.db, 'SELECT * FROM containers WHERE name = ?').get(name) as Row | undefined;
    return r && toRecord(r);
  }

  byId(id: string): ContainerRecord | undefined {
    const r = prepare(this.db, 'SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r && toRecord(r);
  }

  /** find — by name, full id or unique id prefix (Docker's order); undefined when none. */
  find(text: string): ContainerRecord | undefined {
    const byName = this.byName(text.startsWith('/') ? text.slice(1) : text);
    if (byName) return byName;
    if (!/^[0-9a-f]{1,64}$/.test(text)) return undefined;
    const rows = prepare(this.db, "SELECT * FROM containers WHERE id LIKE ? || '%' LIMIT 2").all(text) as Row[];
    if (rows.length > 1) throw new TsnetError('EINVAL', `container id prefix "${text}" is ambiguous; give more of it`);
    return rows[0] && toRecord(rows[0]);
  }

  all(): ContainerRecord[] {
    return (prepare(this.db, 'SELECT * FROM containers ORDER BY created_at DESC, id').all() as Row[]).map(toRecord);
  }

  usingImage(imageId: string): string[] {
    return (prepare(this.db, 'SELECT name FROM containers WHERE image_id = ? ORDER BY name').all(imageId) as Array<{ name: string }>).map((r) => r.name);
  }

  /**
   * transition — moves the container from one of `from` to `to`, recording the operator
   * (this process) for the in-between states; false when another caller got there first.
   */
  transition(id: string, from: readonly ContainerState[], to: ContainerState, op?: { pid: number; start: string }): boolean {
    const r = prepare(this.db, `UPDATE containers SET state = ?, op_pid = ?, op_start = ?
      WHERE id = ? AND state IN (${from.map(() => '?').join(',')})`).run(to, op?.pid ?? null, op?.start ?? null, id, ...from);
    return r.changes === 1;
  }

  /**
   * takeOver — a container left in `state` by an operator that died: this process takes it
   * over, only if the row still names that dead operator (so two reconcilers never both do).
   */
  takeOver(id: string, state: ContainerState, dead: { pid: number | null; start: string | null }, op: { pid: number; start: string }, to: ContainerState = state): boolean {
    return prepare(this.db, `UPDATE containers SET state = ?, op_pid = ?, op_start = ? WHERE id = ? AND state = ? AND op_pid IS ? AND op_start IS ?`)
      .run(to, op.pid, op.start, id, state, dead.pid, dead.start).changes === 1;
  }

  /** setProcess — the container's process and shim, known once tsnet-init reported "ready". */
  setProcess(id: string, r: { pid: number; pidStart: string; shimPid: number; shimStart: string; netns: string | null }): void {
    prepare(this.db, 'UPDATE containers SET pid = ?, pid_start = ?, shim_pid = ?, shim_start = ?, netns = ? WHERE id = ?')
      .run(r.pid, r.pidStart, r.shimPid, r.shimStart, r.netns, id);
  }

  /** setState — running, once the process exec'd (pid and shim were recorded by setProcess). */
  setState(id: string, state: 'running'): void {
    prepare(this.db, `UPDATE containers SET state = ?, op_pid = NULL, op_start = NULL, exit_code = NULL, oom_killed = 0, error = NULL,
      started_at = ?, finished_at = NULL WHERE id = ?`).run(state, new Date().toISOString(), id);
  }

  /** setStopped — exited (or back to created after a failed first start), with why and when. */
  setStopped(id: string, r: { state: 'created' | 'exited'; exitCode: number | null; finishedAt: string | null; oomKilled?: boolean; error?: string | null }): void {
    prepare(this.db, `UPDATE containers SET state = ?, op_pid = NULL, op_start = NULL, pid = NULL, pid_start = NULL, shim_pid = NULL,
      shim_start = NULL, netns = NULL, exit_code = ?, oom_killed = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(r.state, r.exitCode, r.oomKilled ? 1 : 0, r.error ?? null, r.finishedAt, id);
  }

  countRestart(id: string): void {
    prepare(this.db, 'UPDATE containers SET restart_count = restart_count + 1 WHERE id = ?').run(id);
  }

  remove(id: string): void {
    prepare(this.db, 'DELETE FROM containers WHERE id = ?').run(id);
  }

  networks(id: string): ContainerNetworkRecord[] {
    return (prepare(this.db, 'SELECT * FROM container_networks WHERE container_id = ? ORDER BY position').all(id) as Array<{ network: string; position: number; ip: string | null; mac: string | null; aliases: string }>)
      .map((r) => ({ network: r.network, position: r.position, ip: r.ip, mac: r.mac, aliases: JSON.parse(r.aliases) as string[] }));
  }

  /** addNetwork — appended after the container's current networks; ECONFLICT when already there. */
  addNetwork(id: string, n: Omit<ContainerNetworkRecord, 'position'>): ContainerNetworkRecord {
    return this.db.transaction(() => {
      const next = (prepare(this.db, 'SELECT coalesce(max(position) + 1, 0) AS p FROM container_networks WHERE container_id = ?').get(id) as { p: number }).p;
      try {
        this.insertNetwork(id, next, n);
      } catch (e) {
        if (String((e as Error).message).includes('UNIQUE')) throw new TsnetError('ECONFLICT', `the container is already connected to network ${n.network}`);
        throw e;
      }
      return { ...n, position: next };
    }).immediate();
  }

  removeNetwork(id: string, network: string): boolean {
    return prepare(this.db, 'DELETE FROM container_networks WHERE container_id = ? AND network = ?').run(id, network).changes === 1;
  }

  /** containersOn — names of containers connected to a network (for network rm and DNS). */
  containersOn(network: string): string[] {
    return (prepare(this.db, 'SELECT c.name FROM container_networks n JOIN containers c ON c.id = n.container_id WHERE n.network = ? ORDER BY c.name')
      .all(network) as Array<{ name: string }>).map((r) => r.name);
  }

  /** dnsClients — running containers on a user-created network: each needs the embedded DNS. */
  dnsClients(): number {
    return (prepare(this.db, `SELECT count(DISTINCT c.id) AS n FROM containers c JOIN container_networks n ON n.container_id = c.id
      WHERE c.state IN ('starting', 'running') AND n.network != ?`).get(DEFAULT_NETWORK) as { n: number }).n;
  }

  reattachRequests(id: string): Array<{ ctrIf: string; request: unknown }> {
    return (prepare(this.db, 'SELECT ctr_if, request FROM container_reattach WHERE container_id = ? ORDER BY rowid').all(id) as Array<{ ctr_if: string; request: string }>)
      .map((r) => ({ ctrIf: r.ctr_if, request: JSON.parse(r.request) as unknown }));
  }

  saveReattach(id: string, ctrIf: string, request: unknown): void {
    prepare(this.db, 'INSERT OR REPLACE INTO container_reattach (container_id, ctr_if, request) VALUES (?, ?, ?)').run(id, ctrIf, JSON.stringify(request));
  }

  forgetReattach(id: string, ctrIf?: string): void {
    prepare(this.db, 'DELETE FROM container_reattach WHERE container_id = ? AND (? IS NULL OR ctr_if = ?)').run(id, ctrIf ?? null, ctrIf ?? null);
  }
}
