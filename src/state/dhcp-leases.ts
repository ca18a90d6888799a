/**
 * dhcp-leases — the repository for DHCP client leases, the per-client-id address memory
 * (INIT-REBOOT) and the lease keeper's identity. The keeper writes every lease event here,
 * so `tsnet ls` and a restarted keeper both read the truth from state.
 */
import type { BoundLease } from '../dhcp/client-machine.js';
import { prepare, type Database } from './db.js';

export interface LeaseRecord {
  attachmentId: number;
  mac: string;
  clientId: string;
  hostname: string | null;
  params: number[];
  phase: string;
  lease: BoundLease | null;
  updatedAt: string;
}

/** KeptLease — a lease row joined with the attachment it belongs to. */
export interface KeptLease extends LeaseRecord {
  guest: string;
  netnsId: string;
  ctrIf: string;
  hostTarget: string;
}

export interface KeeperRecord { pid: number; startTime: string; startedAt: string }

interface Row {
  attachment_id: number; mac: string; client_id: string; hostname: string | null; params: string;
  phase: string; lease: string | null; updated_at: string;
}

function hydrate(r: Row): LeaseRecord {
  return {
    attachmentId: r.attachment_id, mac: r.mac, clientId: r.client_id, hostname: r.hostname,
    params: JSON.parse(r.params) as number[], phase: r.phase,
    lease: r.lease ? (JSON.parse(r.lease) as BoundLease) : null, updatedAt: r.updated_at,
  };
}

export class DhcpLeaseRepo {
  constructor(private readonly db: Database) {}

  insert(l: Omit<LeaseRecord, 'updatedAt'>): void {
    prepare(this.db, `INSERT INTO dhcp_leases (attachment_id, mac, client_id, hostname, params, phase, lease, updated_at)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(l.attachmentId, l.mac, l.clientId, l.hostname, JSON.stringify(l.params), l.phase, l.lease && JSON.stringify(l.lease), new Date().toISOString());
    if (l.lease) this.remember(l.clientId, l.lease.address);
  }

  get(attachmentId: number): LeaseRecord | undefined {
    const r = prepare(this.db, 'SELECT * FROM dhcp_leases WHERE attachment_id = ?').get(attachmentId) as Row | undefined;
    return r && hydrate(r);
  }

  /** update — a new phase, and the lease when it changed (undefined: keep; null: gone). */
  update(attachmentId: number, phase: string, lease?: BoundLease | null): void {
    if (lease === undefined) {
      prepare(this.db, 'UPDATE dhcp_leases SET phase = ?, updated_at = ? WHERE attachment_id = ?').run(phase, new Date().toISOString(), attachmentId);
      return;
    }
    prepare(this.db, 'UPDATE dhcp_leases SET phase = ?, lease = ?, updated_at = ? WHERE attachment_id = ?')
      .run(phase, lease && JSON.stringify(lease), new Date().toISOString(), attachmentId);
  }

  remove(attachmentId: number): void {
    prepare(this.db, 'DELETE FROM dhcp_leases WHERE attachment_id = ?').run(attachmentId);
  }

  count(): number {
    return (prepare(this.db, 'SELECT count(*) AS n FROM dhcp_leases').get() as { n: number }).n;
  }

  kept(): KeptLease[] {
    const rows = prepare(this.db, `SELECT l.*, a.guest, a.netns_id, a.ctr_if, a.host_target FROM dhcp_leases l
                                   JOIN attachments a ON a.id = l.attachment_id ORDER BY l.attachment_id`)
      .all() as Array<Row & { guest: string; netns_id: string; ctr_if: string; host_target: string }>;
    return rows.map((r) => ({ ...hydrate(r), guest: r.guest, netnsId: r.netns_id, ctrIf: r.ctr_if, hostTarget: r.host_target }));
  }

  remember(clientId: string, address: string): void {
    prepare(this.db, `INSERT INTO dhcp_memory (client_id, address, updated_at) VALUES (?, ?, ?)
                      ON CONFLICT (client_id) DO UPDATE SET address = excluded.address, updated_at = excluded.updated_at`)
      .run(clientId, address, new Date().toISOString());
  }

  remembered(clientId: string): string | undefined {
    return (prepare(this.db, 'SELECT address FROM dhcp_memory WHERE client_id = ?').get(clientId) as { address: string } | undefined)?.address;
  }

  keeper(): KeeperRecord | undefined {
    const r = prepare(this.db, 'SELECT pid, start_time, started_at FROM dhcp_keeper WHERE id = 1').get() as { pid: number; start_time: string; started_at: string } | undefined;
    return r && { pid: r.pid, startTime: r.start_time, startedAt: r.started_at };
  }

  /** claimKeeper — records `me` as the keeper unless `alive` says the recorded one still runs. */
  claimKeeper(me: KeeperRecord, alive: (k: KeeperRecord) => boolean): boolean {
    return this.db.transaction((): boolean => {
      const current = this.keeper();
      if (current && current.pid !== me.pid && alive(current)) return false;
      prepare(this.db, `INSERT INTO dhcp_keeper (id, pid, start_time, started_at) VALUES (1, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, start_time = excluded.start_time, started_at = excluded.started_at`)
        .run(me.pid, me.startTime, me.startedAt);
      return true;
    }).immediate();
  }

  /** releaseKeeperIfIdle — gives up the keeper role only if no client lease and no server is left. */
  releaseKeeperIfIdle(pid: number): boolean {
    return this.db.transaction((): boolean => {
      const busy = (prepare(this.db, 'SELECT (SELECT count(*) FROM dhcp_leases) + (SELECT count(*) FROM dhcp_servers) AS n').get() as { n: number }).n;
      if (busy > 0) return false;
      this.releaseKeeper(pid);
      return true;
    }).immediate();
  }

  /** releaseKeeper — the keeper leaving; only its own row. */
  releaseKeeper(pid: number): void {
    prepare(this.db, 'DELETE FROM dhcp_keeper WHERE pid = ?').run(pid);
  }
}
