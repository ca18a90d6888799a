/**
 * attachments — the repository for attachment rows and their addresses. Reservation is a
 * single IMMEDIATE transaction guarded by UNIQUE constraints, so concurrent tsnet processes
 * can never attach the same guest interface or hand out the same address on a segment.
 */
import { TsnetError } from '../core/errors.js';
import { prepare, type Database } from './db.js';

export type AttachmentKind = 'veth' | 'macvlan' | 'phys';

export interface DefaultRoute {
  family: 4 | 6;
  gateway?: string | undefined;
  dev?: string | undefined;
  metric?: number | undefined;
}

export interface AttachmentRecord {
  id: number;
  guest: string;
  netnsId: string;
  ctrIf: string;
  kind: AttachmentKind;
  hostIf: string;
  hostTarget: string;
  mac: string | null;
  vlan: number | null;
  specKey: string;
  spec: Record<string, unknown>;
  gateway: string | null;
  replacedDefault: DefaultRoute[];
  addresses: string[];
  createdAt: string;
}

export type NewAttachment = Omit<AttachmentRecord, 'id' | 'createdAt' | 'replacedDefault'>;

interface Row {
  id: number; guest: string; netns_id: string; ctr_if: string; kind: AttachmentKind; host_if: string;
  host_target: string; mac: string | null; vlan: number | null; spec_key: string;
  spec: string; gateway: string | null; replaced_default: string | null; created_at: string;
}

export class AttachmentRepo {
  constructor(private readonly db: Database) {}

  /** reserve — inserts the row and its addresses atomically; ECONFLICT when taken. */
  reserve(a: NewAttachment, allocate?: (taken: ReadonlySet<string>) => string[]): { id: number; addresses: string[] } {
    const tx = this.db.transaction((): { id: number; addresses: string[] } => {
      if (allocate) {
        // Allocation reads and writes under the same write lock: no two attaches get one address.
        const taken = new Set((prepare(this.db, 'SELECT ip FROM attachment_addresses WHERE segment = ?').all(a.hostTarget) as Array<{ ip: string }>).map((r) => r.ip));
        a = { ...a, addresses: allocate(taken) };
      }
      const info = this.db
        .prepare(`INSERT INTO attachments (guest, netns_id, ctr_if, kind, host_if, host_target,
                  mac, vlan, spec_key, spec, gateway, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(a.guest, a.netnsId, a.ctrIf, a.kind, a.hostIf, a.hostTarget, a.mac, a.vlan,
          a.specKey, JSON.stringify(a.spec), a.gateway, new Date().toISOString());
      const id = Number(info.lastInsertRowid);
      const addr = prepare(this.db, 'INSERT INTO attachment_addresses (attachment_id, segment, ip, cidr) VALUES (?, ?, ?, ?)');
      for (const cidr of a.addresses) addr.run(id, a.hostTarget, cidr.split('/')[0], cidr);
      return { id, addresses: a.addresses };
    });
    try {
      return tx.immediate();
    } catch (e) {
      throw this.explainConflict(e, a);
    }
  }

  private explainConflict(e: unknown, a: NewAttachment): TsnetError {
    const msg = (e as Error).message ?? String(e);
    if (!msg.includes('UNIQUE')) return new TsnetError('ESTATE', `cannot record attachment: ${msg}`);
    if (msg.includes('attachment_addresses')) {
      const taken = prepare(this.db, `SELECT a.guest, a.ctr_if, x.cidr FROM attachment_addresses x JOIN attachments a
                                     ON a.id = x.attachment_id WHERE x.segment = ? AND x.ip IN (${a.addresses.map(() => '?').join(',')})`)
        .get(a.hostTarget, ...a.addresses.map((c) => c.split('/')[0])) as { guest: string; ctr_if: string; cidr: string } | undefined;
      const who = taken ? ` (held by ${taken.guest} ${taken.ctr_if})` : '';
      return new TsnetError('ECONFLICT', `address ${taken?.cidr ?? a.addresses.join(',')} is already in use on ${a.hostTarget}${who}`);
    }
    if (msg.includes('host_if')) {
      return new TsnetError('ECONFLICT', `host interface ${a.hostIf} is already used by another attachment`);
    }
    return new TsnetError('ECONFLICT', `${a.guest} already has ${a.ctrIf} attached by tsnet; detach it first or pick another -i`);
  }

  /** addReplacedDefault — remembers default routes attach replaced (per family), for detach to restore. */
  addReplacedDefault(id: number, routes: DefaultRoute[]): void {
    const row = prepare(this.db, 'SELECT replaced_default FROM attachments WHERE id = ?').get(id) as { replaced_default: string | null } | undefined;
    const before = row?.replaced_default ? (JSON.parse(row.replaced_default) as DefaultRoute[]) : [];
    prepare(this.db, 'UPDATE attachments SET replaced_default = ? WHERE id = ?').run(JSON.stringify([...before, ...routes]), id);
  }

  /** setAddresses — replaces an attachment's addresses (a DHCP lease granted or changed). */
  setAddresses(id: number, segment: string, cidrs: string[]): void {
    this.db.transaction(() => {
      prepare(this.db, 'DELETE FROM attachment_addresses WHERE attachment_id = ?').run(id);
      const add = prepare(this.db, 'INSERT INTO attachment_addresses (attachment_id, segment, ip, cidr) VALUES (?, ?, ?, ?)');
      for (const cidr of cidrs) add.run(id, segment, cidr.split('/')[0], cidr);
    }).immediate();
  }

  remove(id: number): void {
    prepare(this.db, 'DELETE FROM attachments WHERE id = ?').run(id);
  }

  find(netnsId: string, ctrIf: string): AttachmentRecord | undefined {
    const row = prepare(this.db, 'SELECT * FROM attachments WHERE netns_id = ? AND ctr_if = ?').get(netnsId, ctrIf) as Row | undefined;
    return row && this.hydrate(row);
  }

  /** forGuest — rows of one guest, matched by its netns identity or by the name it was given. */
  forGuest(netnsId: string | undefined, guest: string, ctrIf?: string): AttachmentRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM attachments WHERE (netns_id = ? OR guest = ?) AND (? IS NULL OR ctr_if = ?) ORDER BY id`)
      .all(netnsId ?? null, guest, ctrIf ?? null, ctrIf ?? null) as Row[];
    return rows.map((r) => this.hydrate(r));
  }

  /** all — every row, with the addresses of all of them read in one query (gc reads 1000s). */
  all(): AttachmentRecord[] {
    const addresses = new Map<number, string[]>();
    for (const a of prepare(this.db, 'SELECT attachment_id, cidr FROM attachment_addresses ORDER BY rowid').all() as Array<{ attachment_id: number; cidr: string }>) {
      addresses.set(a.attachment_id, [...(addresses.get(a.attachment_id) ?? []), a.cidr]);
    }
    return (prepare(this.db, 'SELECT * FROM attachments ORDER BY id').all() as Row[]).map((r) => this.hydrate(r, addresses.get(r.id) ?? []));
  }

  /**
   * cniOwned — rows a CNI runtime made on one network (their spec carries `cni`, attach/spec.ts
   * CniOwner), optionally of one container's interface: found without the netns, which the
   * runtime may no longer have.
   */
  cniOwned(network: string, match?: { containerId: string; ifname: string }): AttachmentRecord[] {
    const rows = prepare(this.db, `SELECT * FROM attachments WHERE json_extract(spec, '$.cni.network') = ?
                                   AND (? IS NULL OR (json_extract(spec, '$.cni.containerId') = ? AND json_extract(spec, '$.cni.ifname') = ?)) ORDER BY id`)
      .all(network, match ? 1 : null, match?.containerId ?? null, match?.ifname ?? null) as Row[];
    return rows.map((r) => this.hydrate(r));
  }

  /** usersOf — how many attachments hang off a bridge or parent interface. */
  usersOf(hostTarget: string): number {
    return (prepare(this.db, 'SELECT count(*) AS n FROM attachments WHERE host_target = ?').get(hostTarget) as { n: number }).n;
  }

  private hydrate(r: Row, known?: string[]): AttachmentRecord {
    const addresses = known ?? (prepare(this.db, 'SELECT cidr FROM attachment_addresses WHERE attachment_id = ? ORDER BY rowid').all(r.id) as Array<{ cidr: string }>).map((x) => x.cidr);
    return {
      id: r.id, guest: r.guest, netnsId: r.netns_id, ctrIf: r.ctr_if, kind: r.kind, hostIf: r.host_if,
      hostTarget: r.host_target, mac: r.mac, vlan: r.vlan,
      specKey: r.spec_key, spec: JSON.parse(r.spec) as Record<string, unknown>, gateway: r.gateway,
      replacedDefault: r.replaced_default ? (JSON.parse(r.replaced_default) as DefaultRoute[]) : [],
      addresses, createdAt: r.created_at,
    };
  }
}
