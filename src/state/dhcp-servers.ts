/**
 * dhcp-servers — the repository for tsnet's DHCP servers: one config per network and the
 * leases each has handed out. A server decision is written in one transaction, so a
 * restarted keeper serves from exactly what was promised before.
 */
import type { ServerConfig, ServerLease } from '../dhcp/server-logic.js';
import { prepare, type Database } from './db.js';

export interface ServerRecord {
  networkId: number;
  network: string;
  bridge: string;
  config: ServerConfig;
}

interface LeaseRow { ip: string; client_key: string; mac: string; hostname: string | null; state: ServerLease['state']; expires_at: number; port: string | null }

export class DhcpServerRepo {
  constructor(private readonly db: Database) {}

  set(networkId: number, config: ServerConfig): void {
    prepare(this.db, 'INSERT OR REPLACE INTO dhcp_servers (network_id, config) VALUES (?, ?)').run(networkId, JSON.stringify(config));
  }

  all(): ServerRecord[] {
    const rows = prepare(this.db, 'SELECT s.network_id, s.config, n.name, n.bridge FROM dhcp_servers s JOIN networks n ON n.id = s.network_id ORDER BY n.name')
      .all() as Array<{ network_id: number; config: string; name: string; bridge: string }>;
    return rows.map((r) => ({ networkId: r.network_id, network: r.name, bridge: r.bridge, config: JSON.parse(r.config) as ServerConfig }));
  }

  count(): number {
    return (prepare(this.db, 'SELECT count(*) AS n FROM dhcp_servers').get() as { n: number }).n;
  }

  leases(networkId: number): ServerLease[] {
    return (prepare(this.db, 'SELECT * FROM dhcp_server_leases WHERE network_id = ? ORDER BY ip').all(networkId) as LeaseRow[])
      .map((r) => ({ ip: r.ip, clientKey: r.client_key, mac: r.mac, hostname: r.hostname, state: r.state, expiresAt: r.expires_at, port: r.port }));
  }

  /** dataVersion — changes whenever another connection commits (SQLite's PRAGMA data_version). */
  dataVersion(): number {
    return prepare(this.db, 'PRAGMA data_version').pluck().get() as number;
  }

  /** apply — a decision's lease changes, atomically; an address or client held by an expired lease is taken over. */
  apply(networkId: number, put: ServerLease | undefined, drop: string | undefined): void {
    this.db.transaction(() => {
      if (drop) prepare(this.db, 'DELETE FROM dhcp_server_leases WHERE network_id = ? AND client_key = ?').run(networkId, drop);
      if (!put) return;
      prepare(this.db, 'DELETE FROM dhcp_server_leases WHERE network_id = ? AND (client_key = ? OR ip = ?)').run(networkId, put.clientKey, put.ip);
      prepare(this.db, 'INSERT INTO dhcp_server_leases (network_id, ip, client_key, mac, hostname, state, expires_at, port) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(networkId, put.ip, put.clientKey, put.mac, put.hostname, put.state, put.expiresAt, put.port ?? null);
    }).immediate();
  }
}
