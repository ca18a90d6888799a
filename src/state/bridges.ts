/**
 * bridges — which bridges tsnet itself created, so that detach and gc remove only those,
 * and only once nothing uses them any more. A bridge the user made is never deleted.
 */
import { prepare, type Database } from './db.js';

export class CreatedBridgeRepo {
  constructor(private readonly db: Database) {}

  /** remember — INSERT OR IGNORE: two concurrent attaches may both see the bridge missing. */
  remember(name: string): void {
    prepare(this.db, 'INSERT OR IGNORE INTO created_bridges (name, created_at) VALUES (?, ?)').run(name, new Date().toISOString());
  }

  forget(name: string): void {
    prepare(this.db, 'DELETE FROM created_bridges WHERE name = ?').run(name);
  }

  has(name: string): boolean {
    return prepare(this.db, 'SELECT 1 FROM created_bridges WHERE name = ?').get(name) !== undefined;
  }

  all(): string[] {
    return (prepare(this.db, 'SELECT name FROM created_bridges ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);
  }
}
