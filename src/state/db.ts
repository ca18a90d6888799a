/**
 * db — the state database: one SQLite file per state root, WAL, a busy timeout so
 * concurrent tsnet processes queue instead of failing, and forward-only migrations.
 * better-sqlite3 is required lazily: commands that never touch state do not pay for it.
 */
import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { TsnetError } from '../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Database = BetterSqlite3.Database;

export const DEFAULT_ROOT = '/var/lib/tsnet';

/** resolveRoot — --root, then $TSNET_ROOT, then /var/lib/tsnet. */
export function resolveRoot(flag?: string): string {
  return flag ?? process.env['TSNET_ROOT'] ?? DEFAULT_ROOT;
}

export function openDatabase(root: string): Database {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new TsnetError('ESTATE', `cannot create state root ${root}: ${rootProblem(root, e)}`);
  }
  // tsnet-lint-disable-next-line no-require -- better-sqlite3 loads only when state is opened (--dry-run and help never open it)
  const Sqlite = require('better-sqlite3') as typeof BetterSqlite3;
  const file = join(root, 'state.db');
  for (let attempt = 0; ; attempt++) {
    let db: Database | undefined;
    try {
      db = new Sqlite(file, { timeout: 15000 });
      // WAL is a property of the file: set once, it stays (asking again costs ~1 ms a start).
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      return db;
    } catch (e) {
      db?.close();
      // Many processes opening a brand-new root race to switch it to WAL; SQLite answers the
      // losers SQLITE_BUSY at once, without its busy handler. Retry for up to ~15 s.
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY') && attempt < 300) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.floor(Math.random() * 30));
        continue;
      }
      if (e instanceof TsnetError) throw e;
      throw new TsnetError('ESTATE', `cannot open state database in ${root}: ${rootProblem(root, e)}`);
    }
  }
}

/** migrate — applies the migrations newer than user_version, each in its own transaction. */
function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  refuseNewer(current);
  if (current === MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const v = db.pragma('user_version', { simple: true }) as number;
    refuseNewer(v);
    for (let i = v; i < MIGRATIONS.length; i++) {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    }
  }).immediate();
}

/**
 * refuseNewer — a root written by a newer tsnet has tables and meanings this one does not
 * know; reading it could misread them and writing it could break them for the newer one.
 */
function refuseNewer(version: number): void {
  if (version > MIGRATIONS.length) {
    throw new TsnetError('ESTATE', `the state database is at schema version ${version}, newer than this tsnet's ${MIGRATIONS.length}: it was written by a newer tsnet; use that one (or another --root)`);
  }
}

const statements = new WeakMap<Database, Map<string, BetterSqlite3.Statement>>();

/** prepare — a statement compiled once per database handle and reused (hot path of attach). */
export function prepare(db: Database, sql: string): BetterSqlite3.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/**
 * rootProblem — why a state root is unusable, and the fix, in words: a file where a
 * directory belongs, a read-only file system, a directory not ours to write.
 */
function rootProblem(root: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  let stat: ReturnType<typeof statSync> | undefined;
  try { stat = statSync(root); } catch { stat = undefined; }
  if (stat && !stat.isDirectory()) return 'it is a file, not a directory; give --root a directory (or set TSNET_ROOT)';
  try {
    accessSync(stat ? root : dirname(root), fsConstants.W_OK);
  } catch (w) {
    const c = (w as NodeJS.ErrnoException).code;
    if (c === 'EROFS') return 'the file system is read-only; give --root a writable directory';
    if (c === 'EACCES' || c === 'EPERM') return 'permission denied; run tsnet as root or give --root a directory you may write';
  }
  if (code === 'EROFS') return 'the file system is read-only; give --root a writable directory';
  return (e as Error).message;
}
