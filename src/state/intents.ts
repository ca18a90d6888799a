/**
 * intents — the repository for intent records (see engine/intent.ts for what they mean).
 * A record is owned by the process that wrote it (pid + start time); claim() hands a
 * record whose owner died to exactly one new owner, in one UPDATE, so gc and a command on
 * the same object never both finish or undo it.
 */
import { prepare, type Database } from './db.js';
import type { Owner } from '../core/owner.js';

export interface IntentRecord {
  id: number;
  op: string;
  object: string;
  step: string | null;
  data: Record<string, unknown>;
  owner: Owner;
  startedAt: string;
}

interface Row { id: number; op: string; object: string; step: string | null; data: string; owner_pid: number; owner_start: string; started_at: string }

function hydrate(r: Row): IntentRecord {
  return {
    id: r.id, op: r.op, object: r.object, step: r.step, data: JSON.parse(r.data) as Record<string, unknown>,
    owner: { pid: r.owner_pid, startTime: r.owner_start }, startedAt: r.started_at,
  };
}

export class IntentRepo {
  constructor(private readonly db: Database) {}

  begin(op: string, object: string, data: Record<string, unknown>, owner: Owner): IntentRecord {
    const startedAt = new Date().toISOString();
    const info = prepare(this.db, 'INSERT INTO intents (op, object, step, data, owner_pid, owner_start, started_at) VALUES (?, ?, NULL, ?, ?, ?, ?)')
      .run(op, object, JSON.stringify(data), owner.pid, owner.startTime, startedAt);
    return { id: Number(info.lastInsertRowid), op, object, step: null, data, owner, startedAt };
  }

  setStep(id: number, step: string): void {
    prepare(this.db, 'UPDATE intents SET step = ? WHERE id = ?').run(step, id);
  }

  setData(id: number, data: Record<string, unknown>): void {
    prepare(this.db, 'UPDATE intents SET data = ? WHERE id = ?').run(JSON.stringify(data), id);
  }

  /** complete — the operation is over (done, or fully rolled back): the record goes. */
  complete(id: number): void {
    prepare(this.db, 'DELETE FROM intents WHERE id = ?').run(id);
  }

  /** abandon — the owner gives the record up (its rollback failed): anyone may now resolve it. */
  abandon(id: number): void {
    prepare(this.db, "UPDATE intents SET owner_pid = 0, owner_start = '' WHERE id = ?").run(id);
  }

  /** claim — becomes the owner of a record still held by `from` (dead or abandoned); false if someone else was first. */
  claim(id: number, from: Owner, to: Owner): boolean {
    return prepare(this.db, 'UPDATE intents SET owner_pid = ?, owner_start = ? WHERE id = ? AND owner_pid = ? AND owner_start = ?')
      .run(to.pid, to.startTime, id, from.pid, from.startTime).changes === 1;
  }

  get(id: number): IntentRecord | undefined {
    const row = prepare(this.db, 'SELECT * FROM intents WHERE id = ?').get(id) as Row | undefined;
    return row && hydrate(row);
  }

  forObject(object: string): IntentRecord[] {
    return (prepare(this.db, 'SELECT * FROM intents WHERE object = ? ORDER BY id').all(object) as Row[]).map(hydrate);
  }

  /** withPrefix — records on objects of one kind (`attachment:`), e.g. for ls. */
  withPrefix(prefix: string): IntentRecord[] {
    return (prepare(this.db, "SELECT * FROM intents WHERE substr(object, 1, length(?)) = ? ORDER BY id").all(prefix, prefix) as Row[]).map(hydrate);
  }

  all(): IntentRecord[] {
    return (prepare(this.db, 'SELECT * FROM intents ORDER BY id').all() as Row[]).map(hydrate);
  }
}
