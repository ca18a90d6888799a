/**
 * trash — how rmi removes disk content atomically with its rows: inside the transaction
 * that deletes the rows, each freed layer dir and blob is renamed into ROOT/trash (one
 * rename each); after the commit the trash is emptied. A process killed before the commit
 * leaves rows whose content sits in the trash: the next sweep puts it back. Killed after
 * it, the rows are gone and the sweep deletes the content. Either way nothing on disk is
 * left without a row, and no row without its content.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { removePath } from '../storage/remove-tree.js';
import { abandoned, tempName } from '../storage/temp-name.js';

const EXDEV = 'EXDEV';

/** What a trash entry was, from its name: "layer-<driver>-<hex>-…" or "blob-<hex>-…". */
export type TrashOrigin = { kind: 'layer'; driver: string; hex: string } | { kind: 'blob'; hex: string };

export function parseTrashName(name: string): TrashOrigin | undefined {
  const layer = /^layer-([a-z]+)-([0-9a-f]{64})-/.exec(name);
  if (layer) return { kind: 'layer', driver: layer[1]!, hex: layer[2]! };
  const blob = /^blob-([0-9a-f]{64})-/.exec(name);
  return blob ? { kind: 'blob', hex: blob[1]! } : undefined;
}

export class Trash {
  readonly dir: string;
  private readonly taken: { from: string; to: string }[] = [];

  constructor(root: string) {
    this.dir = join(root, 'trash');
  }

  /**
   * take — moves `path` into the trash under a name made from `label` (see TrashOrigin);
   * missing is fine. On another filesystem (EXDEV) it is deleted at once: content before rows.
   */
  take(label: string, path: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const to = join(this.dir, tempName(label));
    try {
      fs.renameSync(path, to);
      this.taken.push({ from: path, to });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== EXDEV) throw e;
      removePath(path);
    }
  }

  /** putBack — undoes every take (the transaction failed). */
  putBack(): void {
    for (const t of this.taken.splice(0).reverse()) fs.renameSync(t.to, t.from);
  }

  /** empty — deletes what was taken (after the commit). */
  empty(): void {
    for (const t of this.taken.splice(0)) removePath(t.to);
  }

  /**
   * sweep — a killed rmi's leftovers: entries whose process is gone go back to `restoreTo`
   * when it says their rows still exist (and nothing took the place), else are deleted.
   */
  sweep(restoreTo: (o: TrashOrigin) => string | undefined): void {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return; }
    for (const name of names) {
      const path = join(this.dir, name);
      const st = fs.lstatSync(path, { throwIfNoEntry: false });
      if (!st || !abandoned(name, st.mtimeMs)) continue;
      const origin = parseTrashName(name);
      const back = origin && restoreTo(origin);
      if (back && !fs.existsSync(back)) fs.renameSync(path, back);
      else removePath(path);
    }
  }
}
