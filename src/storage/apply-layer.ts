/**
 * apply-layer — unpacks one layer tar into a directory, with everything OCI layers carry:
 * whiteouts and opaque directories (as overlayfs markers, or as deletions for vfs), hard
 * and symbolic links, devices and FIFOs, xattrs (security.capability included), setuid/
 * setgid bits, owners and times. Metadata is applied chown → chmod → xattrs → times: chown
 * clears setuid bits and file capabilities, so they must come after it.
 * The layer is hostile input: names are checked by entry-path, no parent may be a symlink
 * (writing through one could reach outside the directory), hardlinks must point inside it.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TsnetError, invalid } from '../core/errors.js';
import { entryPath, whiteoutOf } from './entry-path.js';
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from './libc.js';
import { readTar, type TarEntry } from './tar-reader.js';

export interface ApplyOptions {
  /** overlay: whiteouts become 0:0 char devices and opaque xattrs; delete: they remove files (vfs). */
  whiteouts: 'overlay' | 'delete';
  /** False when the storage cannot hold device nodes: device entries are refused. */
  devices: boolean;
}

export interface ApplyResult { entries: number; bytes: number }

/** Bodies up to this size are read whole and written with one call (the common case). */
const SMALL_FILE = 1 << 20;

export async function applyLayer(tar: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const a = new Applier(dir, opts);
  for await (const e of readTar(tar)) await a.entry(e);
  a.finish();
  return { entries: a.entries, bytes: a.bytes };
}

class Applier {
  entries = 0;
  bytes = 0;
  /** Directories known to be real directories inside `dir` (not symlinks). */
  private readonly safeDirs = new Set<string>(['']);
  /** Paths this layer wrote: an opaque marker (vfs) deletes everything else in its directory. */
  private readonly written = new Set<string>();
  /** Directory times are set last: writing into a directory changes its mtime. */
  private readonly dirTimes: [string, Date][] = [];
  /**
   * Directories this layer created empty: a name in one that this layer has not written
   * cannot exist, which spares an lstat per file (the costly part of unpacking many files).
   */
  private readonly freshDirs = new Set<string>();
  /** Directories with the setgid bit, whose new files inherit the directory's group. */
  private readonly setgidDirs = new Set<string>();
  private readonly umask = process.umask();
  private readonly asRoot = process.getuid?.() === 0;

  constructor(private readonly dir: string, private readonly opts: ApplyOptions) {
    if (fs.readdirSync(dir).length === 0) this.freshDirs.add('');
  }

  /** isNew — nothing can be at path yet (see freshDirs). */
  private isNew(path: string): boolean {
    return this.freshDirs.has(parentOf(path)) && !this.written.has(path);
  }

  async entry({ header: h, xattrs, body }: TarEntry): Promise<void> {
    this.entries++;
    const path = entryPath(h.name);
    const wh = whiteoutOf(path);
    if (wh) {
      body.resume();
      if (wh.kind === 'opaque') return this.opaque(wh.dir);
      return this.whiteout(wh.path);
    }
    if (path === '') { body.resume(); return; } // the layer root: its metadata belongs to the image root
    this.parents(path, true);
    const full = join(this.dir, path);
    if (!this.isNew(path)) this.replace(path, full, h.type === 'directory');
    this.written.add(path);
    const mode = (h.mode ?? 0o644) & 0o7777;
    // The mode the entry is created with: its own when the umask cannot change it and no
    // special bit needs chown to come first (see metadata).
    const initial = this.plain(mode) ? mode : 0o600;
    let created = true;
    switch (h.type) {
      case 'file': case 'contiguous-file':
        if ((h.size ?? 0) <= SMALL_FILE) {
          await this.smallFile(path, full, body, h, mode, xattrs);
          return;
        }
        await this.file(full, body, h.size ?? 0, initial);
        break;
      case 'directory':
        body.resume();
        created = !exists(full);
        if (created) { fs.mkdirSync(full, initial); this.freshDirs.add(path); }
        this.safeDirs.add(path);
        if (mode & 0o2000) this.setgidDirs.add(path);
        break;
      case 'symlink':
        body.resume();
        fs.symlinkSync(h.linkname ?? '', full);
        break;
      case 'link': {
        body.resume();
        const target = entryPath(h.linkname ?? '', `hardlink target of "${h.name}"`);
        this.parents(target, false);
        const st = lstat(join(this.dir, target));
        if (!st || st.isDirectory()) throw invalid(`layer hardlink "${h.name}" points to "${h.linkname}", which is not a file in this layer`);
        fs.linkSync(join(this.dir, target), full);
        return; // a hardlink shares its target's metadata
      }
      case 'character-device': case 'block-device': case 'fifo': {
        body.resume();
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        if (kind !== S_IFIFO && !this.opts.devices) {
          throw new TsnetError('EUNSUPPORTED', `layer entry "${h.name}" is a device node, which this storage cannot hold (mknod is not permitted here)`);
        }
        mknod(full, kind | initial, h.devmajor ?? 0, h.devminor ?? 0);
        break;
      }
      default:
        throw invalid(`layer entry "${h.name}" has unsupported type "${h.type}"`);
    }
    this.metadata(path, full, h, mode, h.type === 'symlink' || (created && initial === mode), xattrs);
  }

  finish(): void {
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [full, t] = this.dirTimes[i]!;
      fs.utimesSync(full, t, t);
    }
  }

  /**
   * smallFile — the whole body, then open → write → (chown → chmod) → xattrs → times → close
   * on one fd. Created with its final mode, and left unchowned when root:root is what it gets
   * anyway: two syscalls fewer per file. Special bits still go on after chown, which clears them.
   */
  private async smallFile(path: string, full: string, body: Readable, h: TarEntry['header'], mode: number, xattrs: Map<string, Buffer>): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.bytes += data.length;
    const plainMode = this.plain(mode);
    const rootOwned = this.rootOwned(path, h);
    const fd = fs.openSync(full, 'wx', plainMode ? mode : 0o600);
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(fd, data, off);
      if (!rootOwned) fs.fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
      if (!plainMode || !rootOwned) fs.fchmodSync(fd, mode);
      this.xattrs(full, xattrs);
      const t = h.mtime ?? new Date(0);
      fs.futimesSync(fd, t, t);
    } finally {
      fs.closeSync(fd);
    }
  }

  private xattrs(full: string, xattrs: Map<string, Buffer>): void {
    for (const [name, value] of xattrs) {
      // Overlay's own markers from a layer could hide or redirect lower files: never applied.
      if (name.startsWith('trusted.overlay.')) continue;
      lsetxattr(full, name, value);
    }
  }

  private async file(full: string, body: Readable, size: number, mode: number): Promise<void> {
    this.bytes += size;
    await pipeline(body, fs.createWriteStream(full, { flags: 'wx', mode }));
  }

  /** plain — a mode the umask leaves alone, with no setuid/setgid/sticky bit. */
  private plain(mode: number): boolean {
    return (mode & 0o7000) === 0 && (mode & this.umask) === 0;
  }

  /** rootOwned — a new entry here gets root:root by itself (we are root, no setgid parent). */
  private rootOwned(path: string, h: TarEntry['header']): boolean {
    const parent = parentOf(path);
    return (h.uid ?? 0) === 0 && (h.gid ?? 0) === 0 && this.asRoot && this.freshDirs.has(parent) && !this.setgidDirs.has(parent);
  }

  /**
   * metadata — chown → chmod → xattrs → times. An entry just created with its final mode
   * that root:root owns anyway skips chown and chmod: two syscalls per entry fewer.
   */
  private metadata(path: string, full: string, h: TarEntry['header'], mode: number, createdWithMode: boolean, xattrs: Map<string, Buffer>): void {
    const skip = createdWithMode && this.rootOwned(path, h);
    if (!skip) fs.lchownSync(full, h.uid ?? 0, h.gid ?? 0);
    const link = h.type === 'symlink';
    if (!link && !skip) fs.chmodSync(full, mode);
    this.xattrs(full, xattrs);
    const t = h.mtime ?? new Date(0);
    if (h.type === 'directory') this.dirTimes.push([full, t]);
    else fs.lutimesSync(full, t, t);
  }

  /**
   * parents — every directory above `path` must be a real directory inside the layer dir;
   * missing ones are created (0755, like Docker) when `create`, else the walk stops.
   */
  private parents(path: string, create: boolean): boolean {
    const parts = path.split('/');
    let sofar = '';
    for (let i = 0; i < parts.length - 1; i++) {
      sofar = sofar ? `${sofar}/${parts[i]}` : parts[i]!;
      if (this.safeDirs.has(sofar)) continue;
      const st = lstat(join(this.dir, sofar));
      if (!st) {
        if (!create) return false;
        fs.mkdirSync(join(this.dir, sofar), 0o755);
        this.freshDirs.add(sofar);
      } else if (st.isSymbolicLink()) {
        throw invalid(`layer entry "${path}" would write through the symlink "${sofar}"; refusing a layer that writes outside its directory`);
      } else if (!st.isDirectory()) {
        throw invalid(`layer entry "${path}" needs "${sofar}" to be a directory, but it is a file`);
      }
      this.safeDirs.add(sofar);
    }
    return true;
  }

  /** replace — clears whatever is at `path`, except a directory that stays a directory. */
  private replace(path: string, full: string, isDir: boolean): void {
    const st = lstat(full);
    if (!st) return;
    if (isDir && st.isDirectory()) return;
    fs.rmSync(full, { recursive: true, force: true });
    if (this.safeDirs.has(path)) for (const d of [...this.safeDirs]) if (d === path || d.startsWith(`${path}/`)) this.safeDirs.delete(d);
  }

  private whiteout(path: string): void {
    this.written.add(path);
    if (this.opts.whiteouts === 'overlay') {
      this.parents(path, true);
      const full = join(this.dir, path);
      this.replace(path, full, false);
      mknod(full, S_IFCHR, 0, 0);
      return;
    }
    if (this.parents(path, false)) this.replace(path, join(this.dir, path), false);
  }

  private opaque(dir: string): void {
    if (this.opts.whiteouts === 'overlay') {
      this.parents(`${dir}/x`.replace(/^\//, ''), true);
      lsetxattr(join(this.dir, dir), 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (dir && !this.parents(`${dir}/x`, false)) return;
    const full = join(this.dir, dir);
    if (!lstat(full)?.isDirectory()) return;
    for (const name of fs.readdirSync(full)) {
      const child = dir ? `${dir}/${name}` : name;
      if (!this.written.has(child)) this.replace(child, join(full, name), false);
    }
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function lstat(p: string): fs.Stats | undefined {
  return fs.lstatSync(p, { throwIfNoEntry: false });
}

function exists(p: string): boolean {
  return lstat(p) !== undefined;
}
