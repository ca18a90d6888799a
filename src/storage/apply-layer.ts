/**
 * apply-layer — unpacks one layer tar into a directory, with everything OCI layers carry:
 * whiteouts and opaque directories (as overlayfs markers, or as deletions for vfs), hard
 * and symbolic links, devices and FIFOs, xattrs (security.capability included), setuid/
 * setgid bits, owners and times, and the root directory's own metadata (the "/" or "./"
 * entry umoci and others write). Metadata is applied chown → chmod → xattrs → times: chown
 * clears setuid bits and file capabilities, so they must come after it.
 * The layer is hostile input. Names are cleaned by entry-path; every call is made on an fd
 * or relative to the fd of the entry's directory (at.ts), found by beneath.ts, so no
 * symlink the layer made is ever followed by the kernel: a symlink on a member's path is
 * resolved inside the directory or the member is refused, and directory times, set last,
 * land on the directory itself or nowhere.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { TsnetError, invalid } from '../core/errors.js';
import { AT_FDCWD, EEXIST, ELOOP, ENOENT, ENOTDIR, EPERM, O_DIR, O_NEWFILE, at, errnoError } from './at.js';
import { Beneath, type DirHandle } from './beneath.js';
import { baseOf, entryPath, joinPath, parentOf, whiteoutOf } from './entry-path.js';
import { S_IFBLK, S_IFCHR, S_IFIFO } from './libc.js';
import { removeTree } from './remove-tree.js';
import { readTar, type TarEntry } from './tar-reader.js';

export interface ApplyOptions {
  /** overlay: whiteouts become 0:0 char devices and opaque xattrs; delete: they remove files (vfs). */
  whiteouts: 'overlay' | 'delete';
  /** False when the storage cannot hold device nodes: device entries are refused. */
  devices: boolean;
}

export interface ApplyResult { entries: number; bytes: number }

type Header = TarEntry['header'];

/**
 * ROOT_SET_XATTR — marks a layer dir whose "/" entry set the root's metadata, so the
 * overlay driver knows which layer's root the rootfs root must look like. Renaming it
 * makes existing layers lose their mark (their rootfs root falls back to 0755 root).
 */
export const ROOT_SET_XATTR = 'trusted.tsnet.root';

export async function applyLayer(tar: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const rootFd = at.open(AT_FDCWD, dir, O_DIR);
  const a = new Applier(new Beneath(rootFd), opts);
  try {
    for await (const e of readTar(tar)) await a.entry(e);
    a.finish();
    return { entries: a.entries, bytes: a.bytes };
  } finally {
    a.tree.close();
    fs.closeSync(rootFd);
  }
}

class Applier {
  entries = 0;
  bytes = 0;
  /** Paths this layer wrote: an opaque marker (vfs) deletes everything else in its directory. */
  private readonly written = new Set<string>();
  /** Directory times (ms), set last: writing into a directory changes its mtime. */
  private readonly dirTimes = new Map<string, number>();
  private readonly umask = process.umask();
  private readonly asRoot = process.getuid?.() === 0;

  constructor(readonly tree: Beneath, private readonly opts: ApplyOptions) {}

  async entry({ header: h, xattrs, body }: TarEntry): Promise<void> {
    this.entries++;
    this.tree.trim();
    const path = entryPath(h.name);
    const wh = whiteoutOf(path);
    if (wh) {
      body.resume();
      if (wh.kind === 'opaque') return this.opaque(wh.dir, h.name);
      return this.whiteout(wh.path, h.name);
    }
    if (path === '') {
      body.resume();
      if (h.type !== 'directory') throw invalid(`layer entry "${h.name}" names the root directory but is a ${h.type}`);
      return this.rootEntry(h, xattrs);
    }
    const parent = this.parentOf(path, h.name, true)!;
    const name = baseOf(path);
    const key = joinPath(parent.path, name);
    if (this.opts.whiteouts === 'delete') this.written.add(key);
    const mode = (h.mode ?? 0o644) & 0o7777;
    // Created with its own mode when the umask cannot change it and no special bit needs
    // chown to come first (see metadata); owned by root:root without a chown when it may.
    const initial = this.plain(mode) ? mode : 0o600;
    const rootOwned = this.asRoot && (h.uid ?? 0) === 0 && (h.gid ?? 0) === 0 && !parent.setgid;
    const skip = rootOwned && (h.type === 'symlink' || initial === mode);
    switch (h.type) {
      case 'file': case 'contiguous-file':
        return this.file(parent, name, key, body, h, mode, skip, xattrs);
      case 'directory': {
        body.resume();
        const fd = this.directory(parent, name, key, initial);
        const dir = this.tree.add(key, fd.fd);
        this.fdMetadata(dir.fd, h, mode, skip && fd.created, xattrs);
        this.dirTimes.set(key, mtimeOf(h));
        return;
      }
      case 'symlink':
        body.resume();
        this.create(parent, name, key, () => at.trySymlink(h.linkname ?? '', parent.fd, name));
        break;
      case 'link':
        body.resume();
        return this.hardlink(parent, name, key, h);
      case 'character-device': case 'block-device': case 'fifo': {
        body.resume();
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        if (kind !== S_IFIFO && !this.opts.devices) {
          throw new TsnetError('EUNSUPPORTED', `layer entry "${h.name}" is a device node, which this storage cannot hold (mknod is not permitted here)`);
        }
        this.create(parent, name, key, () => at.tryMknod(parent.fd, name, kind | initial, h.devmajor ?? 0, h.devminor ?? 0));
        break;
      }
      default:
        throw invalid(`layer entry "${h.name}" has unsupported type "${h.type}"`);
    }
    this.atMetadata(parent, name, h, mode, skip, xattrs);
  }

  /** finish — directory times, each on the directory still at its path (never through a symlink). */
  finish(): void {
    for (const [path, ms] of this.dirTimes) {
      const d = this.tree.dir(path, { create: false, follow: false, member: path });
      if (d) fs.futimesSync(d.fd, ms / 1000, ms / 1000);
    }
  }

  private parentOf(path: string, member: string, create: boolean): DirHandle | undefined {
    return this.tree.dir(parentOf(path), { create, follow: true, member });
  }

  /** rootEntry — "/" or "./": the layer root's owner, mode, xattrs and time. */
  private rootEntry(h: Header, xattrs: Map<string, Buffer>): void {
    this.fdMetadata(this.tree.root.fd, h, (h.mode ?? 0o755) & 0o7777, false, xattrs);
    try { at.fsetxattr(this.tree.root.fd, ROOT_SET_XATTR, Buffer.from('1')); } catch { /* only overlay reads it, and overlay needs xattrs anyway */ }
    this.dirTimes.set('', mtimeOf(h));
  }

  /** file — written through its own fd: open(O_EXCL|O_NOFOLLOW) → write → metadata → close. */
  private async file(parent: DirHandle, name: string, key: string, body: Readable, h: Header, mode: number, skip: boolean, xattrs: Map<string, Buffer>): Promise<void> {
    const initial = skip ? mode : 0o600;
    let fd = at.tryOpen(parent.fd, name, O_NEWFILE, initial);
    if (fd === -EEXIST) { this.clear(parent, name, key); fd = at.tryOpen(parent.fd, name, O_NEWFILE, initial); }
    if (fd < 0) { body.resume(); throw errnoError(-fd, `create ${key}`); }
    try {
      for await (const chunk of body) {
        const c = chunk as Buffer;
        let off = 0;
        while (off < c.length) off += fs.writeSync(fd, c, off);
        this.bytes += c.length;
      }
      this.fdMetadata(fd, h, mode, skip, xattrs);
      const t = mtimeOf(h) / 1000;
      fs.futimesSync(fd, t, t);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** directory — makes it, or keeps the directory already there (a layer merges into it). */
  private directory(parent: DirHandle, name: string, key: string, mode: number): { fd: number; created: boolean } {
    let made = at.tryMkdir(parent.fd, name, mode);
    if (made === -EEXIST) {
      const fd = at.tryOpen(parent.fd, name, O_DIR);
      if (fd >= 0) return { fd, created: false };
      if (fd !== -ELOOP && fd !== -ENOTDIR) throw errnoError(-fd, `open ${key}`);
      this.clear(parent, name, key);
      made = at.tryMkdir(parent.fd, name, mode);
    }
    if (made < 0) throw errnoError(-made, `mkdir ${key}`);
    return { fd: at.open(parent.fd, name, O_DIR), created: true };
  }

  /** create — runs make(); whatever was at the name is replaced (EEXIST → clear → again). */
  private create(parent: DirHandle, name: string, key: string, make: () => number): void {
    let rc = make();
    if (rc === -EEXIST) { this.clear(parent, name, key); rc = make(); }
    if (rc < 0) throw errnoError(-rc, `create ${key}`);
  }

  /** hardlink — to a file this layer (or, for vfs, an earlier one) has, resolved inside the root. */
  private hardlink(parent: DirHandle, name: string, key: string, h: Header): void {
    const target = entryPath(h.linkname ?? '', `hardlink target of "${h.name}"`);
    const tparent = target === '' ? undefined : this.parentOf(target, h.name, false);
    const notHere = (): TsnetError => invalid(`layer hardlink "${h.name}" points to "${h.linkname}", which is not a file in this layer`);
    if (!tparent) throw notHere();
    let rc = at.tryLink(tparent.fd, baseOf(target), parent.fd, name);
    if (rc === -EEXIST) { this.clear(parent, name, key); rc = at.tryLink(tparent.fd, baseOf(target), parent.fd, name); }
    if (rc === -ENOENT || rc === -EPERM) throw notHere();
    if (rc < 0) throw errnoError(-rc, `link ${key}`);
  }

  /** clear — removes what is at the name (a whole tree for a directory). */
  private clear(parent: DirHandle, name: string, key: string): void {
    this.tree.forget(key);
    for (const p of this.dirTimes.keys()) if (p === key || p.startsWith(`${key}/`)) this.dirTimes.delete(p);
    removeTree(parent.fd, name);
  }

  /** fdMetadata — chown → chmod → xattrs on an open file or directory; `skip` when chown and chmod change nothing. */
  private fdMetadata(fd: number, h: Header, mode: number, skip: boolean, xattrs: Map<string, Buffer>): void {
    if (!skip) {
      fs.fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
      fs.fchmodSync(fd, mode);
    }
    for (const [name, value] of xattrs) if (applicable(name)) at.fsetxattr(fd, name, value);
  }

  /** atMetadata — the same for a symlink, device or FIFO, by name (never opened), plus its time. */
  private atMetadata(parent: DirHandle, name: string, h: Header, mode: number, skip: boolean, xattrs: Map<string, Buffer>): void {
    if (!skip) {
      at.lchown(parent.fd, name, h.uid ?? 0, h.gid ?? 0);
      if (h.type !== 'symlink') at.lchmod(parent.fd, name, mode);
    }
    for (const [x, value] of xattrs) if (applicable(x)) at.lsetxattrAt(parent.fd, name, x, value);
    at.lutimes(parent.fd, name, mtimeOf(h));
  }

  /** plain — a mode the umask leaves alone, with no setuid/setgid/sticky bit. */
  private plain(mode: number): boolean {
    return (mode & 0o7000) === 0 && (mode & this.umask) === 0;
  }

  private whiteout(path: string, member: string): void {
    const parent = this.parentOf(path, member, this.opts.whiteouts === 'overlay');
    if (!parent) return; // vfs: nothing there to delete
    const name = baseOf(path);
    const key = joinPath(parent.path, name);
    if (this.opts.whiteouts === 'delete') {
      this.written.add(key);
      this.clear(parent, name, key);
      return;
    }
    this.create(parent, name, key, () => at.tryMknod(parent.fd, name, S_IFCHR, 0, 0));
  }

  private opaque(dir: string, member: string): void {
    if (this.opts.whiteouts === 'overlay') {
      const d = this.tree.dir(dir, { create: true, follow: true, member })!;
      at.fsetxattr(d.fd, 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    const d = this.tree.dir(dir, { create: false, follow: true, member });
    if (!d) return;
    for (const name of fs.readdirSync(`/proc/self/fd/${d.fd}`)) {
      const key = joinPath(d.path, name);
      if (!this.written.has(key)) this.clear(d, name, key);
    }
  }
}

/** applicable — overlay's own markers from a layer could hide or redirect lower files: never applied. */
function applicable(xattr: string): boolean {
  return !xattr.startsWith('trusted.overlay.');
}

function mtimeOf(h: Header): number {
  return h.mtime ? h.mtime.getTime() : 0;
}
