/**
 * beneath — directories inside one root, found by fd without the kernel ever following a
 * symlink: each component is opened with openat(O_NOFOLLOW | O_DIRECTORY) relative to
 * its parent's fd. A symlink met on the way is read and resolved here, inside the root
 * (an absolute target starts again at the root, ".." climbs physical parents), as
 * containerd's RootPath does, except that a ".." above the root is refused rather than
 * clamped. Opened directories are kept in a small LRU of fds, keyed by their real path
 * inside the root, so a layer of thousands of files costs one openat per directory.
 */
import * as fs from 'node:fs';
import { invalid } from '../core/errors.js';
import { EEXIST, ELOOP, ENOENT, ENOTDIR, O_DIR, at, errnoError } from './at.js';
import { joinPath, parentOf } from './entry-path.js';

/** Like the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;
const S_ISGID = 0o2000;

export interface DirHandle {
  fd: number;
  /** Real path inside the root ("" for the root), without symlinks. */
  path: string;
  /** New entries here get the directory's group and, for directories, its setgid bit. */
  setgid: boolean;
}

export interface ResolveOptions {
  /** Make missing directories (0755, as Docker does for implied parents). */
  create: boolean;
  /** Resolve symlinks inside the root; false: a symlink on the path means "not there". */
  follow: boolean;
  /** The tar member this is for, named in errors. */
  member: string;
}

export class Beneath {
  readonly root: DirHandle;
  private readonly cache = new Map<string, DirHandle>();

  /** rootFd is owned by the caller; fds opened here are closed by close(). */
  constructor(rootFd: number, private readonly limit = 256) {
    this.root = { fd: rootFd, path: '', setgid: (fs.fstatSync(rootFd).mode & S_ISGID) !== 0 };
  }

  /**
   * dir — the directory at `path` (a cleaned name, see entry-path), or undefined when it
   * does not exist (or, without `follow`, a symlink is in the way) and `create` is off.
   */
  dir(path: string, o: ResolveOptions): DirHandle | undefined {
    if (path === '') return this.root;
    const hit = this.cache.get(path);
    if (hit) { this.cache.delete(path); this.cache.set(path, hit); return hit; }
    // Start from the nearest open ancestor: a deep tree is walked one level at a time.
    let cur = this.root;
    let rest = path;
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const up = this.cache.get(path.slice(0, cut));
      if (up) { cur = up; rest = path.slice(cut + 1); break; }
    }
    const parts = rest.split('/');
    let links = 0;
    for (let i = 0; i < parts.length; i++) {
      const comp = parts[i]!;
      if (comp === '' || comp === '.') continue;
      if (comp === '..') {
        // Only symlink targets bring ".." here: member names are cleaned first.
        if (cur.path === '') throw invalid(`layer entry "${o.member}" resolves outside the rootfs through a symlink; refusing a layer that writes outside its directory`);
        const up = this.dir(parentOf(cur.path), { ...o, create: false, follow: false });
        if (!up) return undefined;
        cur = up;
        continue;
      }
      const next = joinPath(cur.path, comp);
      const cached = this.cache.get(next);
      if (cached) { cur = cached; continue; }
      let fd = at.tryOpen(cur.fd, comp, O_DIR);
      if (fd === -ENOENT) {
        if (!o.create) return undefined;
        const made = at.tryMkdir(cur.fd, comp, 0o755);
        if (made < 0 && made !== -EEXIST) throw errnoError(-made, `mkdir ${next}`);
        fd = at.open(cur.fd, comp, O_DIR);
      } else if (fd === -ELOOP || fd === -ENOTDIR) {
        // O_NOFOLLOW | O_DIRECTORY on a symlink gives ENOTDIR (or ELOOP): readlink tells.
        const target = at.readlink(cur.fd, comp);
        if (target === undefined) throw invalid(`layer entry "${o.member}" needs "${next}" to be a directory, but it is a file`);
        if (!o.follow) return undefined;
        if (++links > MAX_LINKS) throw invalid(`layer entry "${o.member}": too many levels of symlinks under "${next}"`);
        if (target.startsWith('/')) cur = this.root;
        parts.splice(0, i + 1, ...target.split('/'));
        i = -1;
        continue;
      } else if (fd < 0) {
        throw errnoError(-fd, `open ${next}`);
      }
      cur = this.add(next, fd);
    }
    return cur;
  }

  /** add — caches an fd the caller opened on directory `path` (now owned here). */
  add(path: string, fd: number): DirHandle {
    const old = this.cache.get(path);
    if (old) { this.cache.delete(path); fs.closeSync(old.fd); }
    const h: DirHandle = { fd, path, setgid: (fs.fstatSync(fd).mode & S_ISGID) !== 0 };
    this.cache.set(path, h);
    return h;
  }

  /** forget — `path` and everything under it were removed or replaced: close their fds. */
  forget(path: string): void {
    const prefix = `${path}/`;
    for (const [p, h] of this.cache) {
      if (p === path || p.startsWith(prefix)) { this.cache.delete(p); fs.closeSync(h.fd); }
    }
  }

  /**
   * trim — closes the least recently used fds beyond the limit. Called between entries
   * only, so a handle the caller holds is never closed under it.
   */
  trim(): void {
    for (const [p, h] of this.cache) {
      if (this.cache.size <= this.limit) break;
      this.cache.delete(p);
      fs.closeSync(h.fd);
    }
  }

  close(): void {
    for (const h of this.cache.values()) fs.closeSync(h.fd);
    this.cache.clear();
  }
}
