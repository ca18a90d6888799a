/**
 * meta — small key/value facts about a state root. The root id is made once, at random,
 * and feeds every host-side interface name, so two roots on one machine never collide.
 */
import { prepare, type Database } from './db.js';

export function rootId(db: Database): string {
  const get = prepare(db, "SELECT value FROM meta WHERE key = 'root_id'");
  const existing = get.get() as { value: string } | undefined;
  if (existing) return existing.value;
  // INSERT OR IGNORE: a concurrent first run may have won; re-read either way.
  // tsnet-lint-disable-next-line no-require -- node:crypto is needed on the first run only
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto'); // first run only
  prepare(db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('root_id', ?)").run(randomBytes(8).toString('hex'));
  return (get.get() as { value: string }).value;
}

/** metaValue — one stored fact, or undefined. */
export function metaValue(db: Database, key: string): string | undefined {
  return (prepare(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

/** setMetaOnce — stores a fact unless one is there already (a concurrent first run may win). */
export function setMetaOnce(db: Database, key: string, value: string): void {
  prepare(db, 'INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, value);
}

/** setMeta — stores a fact, replacing what was there. */
export function setMeta(db: Database, key: string, value: string): void {
  prepare(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
