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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto'); // first run only
  prepare(db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('root_id', ?)").run(randomBytes(8).toString('hex'));
  return (get.get() as { value: string }).value;
}
