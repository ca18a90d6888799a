/**
 * temp-name — names for temp files and dirs that say who made them, so that the next
 * tsnet command can sweep what a killed one left (a half-downloaded blob, a half-unpacked
 * layer) without touching what a running one is still writing: "<prefix>-<pid>.<start>-<random>",
 * start being the process's start time in /proc (a recycled pid is not the owner).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../core/owner.js';
import { removePath } from './remove-tree.js';

const OWNED = /-(\d+)\.(\d+)-[0-9a-f]+$/;
/** A name without an owner (an older tsnet's) is a leftover once this old. */
const UNOWNED_GRACE_MS = 3600_000;

let self: string | undefined;

/** tempName — a fresh name owned by this process. */
export function tempName(prefix: string): string {
  self ??= `${process.pid}.${processStartTime(process.pid) ?? '0'}`;
  return `${prefix}-${self}-${randomBytes(6).toString('hex')}`;
}

/** abandoned — whether the process that made `name` is gone (never this one). */
export function abandoned(name: string, mtimeMs: number, now = Date.now()): boolean {
  const m = OWNED.exec(name);
  if (!m) return now - mtimeMs > UNOWNED_GRACE_MS;
  return processStartTime(Number(m[1])) !== m[2];
}

/** sweepTemp — removes the abandoned entries of dir (files or trees); returns their names. */
export function sweepTemp(dir: string, keep: (name: string) => boolean = () => false): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const st = fs.lstatSync(join(dir, name), { throwIfNoEntry: false });
    if (!st || !abandoned(name, st.mtimeMs) || keep(name)) continue;
    removePath(join(dir, name));
    swept.push(name);
  }
  return swept;
}
