/**
 * record — what a lab made, kept under the state root (ROOT/labs/NAME/lab.json) so that
 * `down`, `status` and `apply` work from it alone, even when the file changed or is gone
 * (containerlab #2892). The record is written BEFORE the first kernel change (phase
 * "creating") and marked "up" after the last, so a crash half-way leaves a record that
 * `down` fully removes. Each simulated host's own state root lives beside it
 * (ROOT/labs/NAME/hosts/HOST). One lab at a time per name: an flock per lab.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TsnetError } from '../core/errors.js';
import { withLock } from '../images/lock.js';
import { MODEL_VERSION, type LabModel } from './model.js';
import type { Impairment } from './schema.js';

export type LabPhase = 'creating' | 'up' | 'failed' | 'removing';

export interface LabRecord {
  model: LabModel;
  /** The file it came from (absolute), for messages; the record never needs it. */
  file: string | undefined;
  phase: LabPhase;
  /** --as HOST: only this host's part runs here, in this machine's own netns and root. */
  as: string | undefined;
  /** Links taken down with `tsnet lab link L down`. */
  linksDown: string[];
  /** Impairments changed at run time with `tsnet lab netem` (null: cleared), by link. */
  netem: Record<string, Impairment | null>;
  createdAt: string;
  updatedAt: string;
}

export function labsDir(root: string): string {
  return join(root, 'labs');
}

export function labDir(root: string, name: string): string {
  return join(labsDir(root), name);
}

/** hostRoot — the state root of one simulated host of the lab. */
export function hostRoot(root: string, lab: string, host: string): string {
  return join(labDir(root, lab), 'hosts', host);
}

export function readRecord(root: string, name: string): LabRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(labDir(root, name), 'lab.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TsnetError('ESTATE', `cannot read lab ${name}'s record: ${(e as Error).message}`);
  }
  let rec: LabRecord;
  try {
    rec = JSON.parse(text) as LabRecord;
  } catch (e) {
    throw new TsnetError('ESTATE', `lab ${name}'s record is not valid JSON (${(e as Error).message}); remove ${labDir(root, name)} by hand`);
  }
  if (rec.model?.version !== MODEL_VERSION || rec.model.name !== name) {
    throw new TsnetError('ESTATE', `lab ${name}'s record has version ${String(rec.model?.version)} (this tsnet reads ${MODEL_VERSION})`);
  }
  return rec;
}

/** writeRecord — atomically (temp file + rename), so a crash never leaves half a record. */
export function writeRecord(root: string, rec: LabRecord): void {
  const dir = labDir(root, rec.model.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.lab.json.${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify({ ...rec, updatedAt: new Date().toISOString() }, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, join(dir, 'lab.json'));
}

export function removeLabDir(root: string, name: string): void {
  rmSync(labDir(root, name), { recursive: true, force: true });
}

export function listLabs(root: string): string[] {
  try {
    return readdirSync(labsDir(root)).filter((n) => readRecordQuiet(root, n) !== undefined).sort();
  } catch {
    return [];
  }
}

function readRecordQuiet(root: string, name: string): LabRecord | undefined {
  try { return readRecord(root, name); } catch { return undefined; }
}

/** withLabLock — one command at a time on a lab (a second `up` waits for the first). */
export function withLabLock<T>(root: string, name: string, fn: () => Promise<T>): Promise<T> {
  return withLock(root, `lab-${name}`, fn);
}

/** effectiveImpairment — the file's impairment of a link, unless `lab netem` changed it. */
export function effectiveImpairment(rec: LabRecord, link: string, fromFile: Impairment | undefined): Impairment | undefined {
  return Object.prototype.hasOwnProperty.call(rec.netem, link) ? (rec.netem[link] ?? undefined) : fromFile;
}
