/**
 * ports — the repository for published ports. reserve() checks and allocates inside one
 * IMMEDIATE transaction: a port on 0.0.0.0 conflicts with the same port on any address and
 * vice versa; an ephemeral or ranged host port gets the lowest free one.
 */
import { TsnetError } from '../core/errors.js';
import { prepare, type Database } from './db.js';
import { ANY_HOST_IP } from './stored-values.js';

export { ANY_HOST_IP };
/** Docker's range for ephemeral host ports. */
export const EPHEMERAL_PORTS = { start: 49153, end: 65535 } as const;

export interface PortRecord {
  id: number;
  attachmentId: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface PortRequest {
  protocol: PortRecord['protocol'];
  hostIp: string;
  /** A fixed port, or a range to take the lowest free port from. */
  hostPort: number | { start: number; end: number };
  containerIp: string;
  containerPort: number;
}

interface Row { id: number; attachment_id: number; protocol: PortRecord['protocol']; host_ip: string; host_port: number; container_ip: string; container_port: number }

function hydrate(r: Row): PortRecord {
  return { id: r.id, attachmentId: r.attachment_id, protocol: r.protocol, hostIp: r.host_ip, hostPort: r.host_port, containerIp: r.container_ip, containerPort: r.container_port };
}

export class PortRepo {
  constructor(private readonly db: Database) {}

  /**
   * heldPorts — "protocol/port" → the host addresses holding it, read once per reservation:
   * one query for any number of requests (a query per request made 1000 at once quadratic).
   */
  private heldPorts(): Map<string, Set<string>> {
    const held = new Map<string, Set<string>>();
    for (const r of prepare(this.db, 'SELECT protocol, host_ip, host_port FROM ports').all() as Row[]) hold(held, r.protocol, r.host_ip, r.host_port);
    return held;
  }

  /** holderOf — " by netns:web (port 80)": who holds a host port, for the conflict message. */
  private holderOf(protocol: string, hostIp: string, port: number): string {
    const row = prepare(this.db, `SELECT a.guest AS guest, p.container_port AS cport FROM ports p JOIN attachments a ON a.id = p.attachment_id
      WHERE p.protocol = ? AND p.host_port = ? AND (p.host_ip = ? OR p.host_ip = ? OR ? = ?) LIMIT 1`)
      .get(protocol, port, hostIp, ANY_HOST_IP, hostIp, ANY_HOST_IP) as { guest: string; cport: number } | undefined;
    return row ? ` by ${row.guest} (its port ${row.cport})` : '';
  }

  /**
   * choose — the host port each request would get, with every check reserve() runs (a port
   * published already, naming by whom; a range with nothing free); writes nothing. What a
   * dry run names and, under the host lock, what the real reserve then takes.
   */
  choose(requests: PortRequest[]): Array<Omit<PortRecord, 'id' | 'attachmentId'>> {
    return this.db.transaction(() => this.allocate(this.heldPorts(), requests))();
  }

  /** reserve — all requests or none; ECONFLICT naming the port that is taken. */
  reserve(attachmentId: number, requests: PortRequest[]): PortRecord[] {
    const tx = this.db.transaction((): PortRecord[] => this.allocate(this.heldPorts(), requests).map((p) => {
      const info = prepare(this.db, `INSERT INTO ports (attachment_id, protocol, host_ip, host_port, container_ip, container_port)
                                     VALUES (?, ?, ?, ?, ?, ?)`).run(attachmentId, p.protocol, p.hostIp, p.hostPort, p.containerIp, p.containerPort);
      return { id: Number(info.lastInsertRowid), attachmentId, ...p };
    }));
    return tx.immediate();
  }

  /** allocate — the lowest free host port of each request, in order (a request sees the ports of those before it). */
  private allocate(held: Map<string, Set<string>>, requests: PortRequest[]): Array<Omit<PortRecord, 'id' | 'attachmentId'>> {
    return requests.map((r) => {
      const range = typeof r.hostPort === 'number' ? { start: r.hostPort, end: r.hostPort } : r.hostPort;
      let port = range.start;
      while (port <= range.end && taken(held, r.protocol, r.hostIp, port)) port++;
      if (port > range.end) {
        throw new TsnetError('ECONFLICT', range.start === range.end
          ? `host port ${r.hostIp}:${range.start}/${r.protocol} is already published${this.holderOf(r.protocol, r.hostIp, range.start)}; pick another host port`
          : `no free host port left in ${range.start}-${range.end}/${r.protocol} on ${r.hostIp}`);
      }
      hold(held, r.protocol, r.hostIp, port);
      return { protocol: r.protocol, hostIp: r.hostIp, hostPort: port, containerIp: r.containerIp, containerPort: r.containerPort };
    });
  }

  forAttachment(attachmentId: number): PortRecord[] {
    return (prepare(this.db, 'SELECT * FROM ports WHERE attachment_id = ? ORDER BY id').all(attachmentId) as Row[]).map(hydrate);
  }

  all(): PortRecord[] {
    return (prepare(this.db, 'SELECT * FROM ports ORDER BY id').all() as Row[]).map(hydrate);
  }

  remove(ids: readonly number[]): void {
    const del = prepare(this.db, 'DELETE FROM ports WHERE id = ?');
    this.db.transaction(() => { for (const id of ids) del.run(id); })();
  }
}

function hold(held: Map<string, Set<string>>, protocol: string, hostIp: string, port: number): void {
  const key = `${protocol}/${port}`;
  const ips = held.get(key) ?? new Set<string>();
  held.set(key, ips.add(hostIp));
}

/** taken — a port on 0.0.0.0 conflicts with the same port on any address, and vice versa. */
function taken(held: Map<string, Set<string>>, protocol: string, hostIp: string, port: number): boolean {
  const ips = held.get(`${protocol}/${port}`);
  return ips !== undefined && (ips.has(hostIp) || ips.has(ANY_HOST_IP) || (hostIp === ANY_HOST_IP && ips.size > 0));
}
