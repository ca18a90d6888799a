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
 * Members come from tar-parser as its input arrives and are applied synchronously: a
 * file's data goes straight to its fd, its metadata once its last byte is written.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { TsnetError, invalid } from '../core/errors.js';
import { AT_FDCWD, EEXIST, ELOOP, ENOENT, ENOTDIR, EPERM, O_DIR, O_NEWFILE, at, errnoError } from './at.js';
import { Beneath, type DirHandle } from './beneath.js';
import { baseOf, entryPath, joinPath, parentOf, whiteoutOf } from './entry-path.js';
import { S_IFBLK, S_IFCHR, S_IFIFO } from './libc.js';
import { removeTree } from './remove-tree.js';
import type { TarHeader } from './tar-header.js';
import { TarParser, type TarHandler } from './tar-parser.js';

export interface ApplyOptions {
  /** overlay: whiteouts become 0:0 char devices and opaque xattrs; delete: they remove files (vfs). */
  whiteouts: 'overlay' | 'delete';
  /** False when the storage cannot hold device nodes: device entries are refused. */
  devices: boolean;
}

export interface ApplyResult { entries: number; bytes: number }

type Header = TarHeader;

/**
 * ROOT_SET_XATTR — marks a layer dir whose "/" entry set the root's metadata, so the
 * overlay driver knows which layer's root the rootfs root must look like. Renaming it
 * makes existing layers lose their mark (their rootfs root falls back to 0755 root).
 */
export const ROOT_SET_XATTR = 'trusted.tsnet.root';

export async function applyLayer(tar: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const a = layerWriter(dir, opts);
  try {
    for await (const chunk of tar) a.push(chunk as Buffer);
    return a.end();
  } finally {
    a.close();
  }
}

/** LayerWriter — applyLayer for a caller that has the tar's bytes chunk by chunk, not as a stream. */
export interface LayerWriter {
  /** push — the next bytes of the tar; members are applied as they complete, synchronously. */
  push(chunk: Buffer): void;
  /** end — the tar is over: checks it was whole, sets directory times. */
  end(): ApplyResult;
  /** close — releases the fds (always call it, after end() or a failure). */
  close(): void;
}

export function layerWriter(dir: string, opts: ApplyOptions): LayerWriter {
  const rootFd = at.open(AT_FDCWD, dir, O_DIR);
  const a = new Applier(new Beneath(rootFd), opts);
  const parser = new TarParser(a);
  return {
    push: (chunk) => parser.push(chunk),
    end: () => {
      parser.end();
      a.finish();
      return { entries: a.entries, bytes: a.bytes };
    },
    close: () => {
      a.abandon();
      a.tree.close();
      fs.closeSync(rootFd);
    },
  };
}

/** The regular file being written: its data arrives in pieces, its metadata goes on at the end. */
interface OpenFile { fd: number; h: Header; mode: number; skip: boolean; xattrs: Map<string, Buffer> }

class Applier implements TarHandler {
  entries = 0;
  bytes = 0;
  private open: OpenFile | undefined;
  /** Paths this layer wrote: an opaque marker (vfs) deletes everything else in its directory. */
  private readonly written = new Set<string>();
  /** Directory times (ms), set last: writing into a directory changes its mtime. */
  private readonly dirTimes = new Map<string, number>();
  private readonly umask = process.umask();
  private readonly asRoot = process.getuid?.() === 0;

  constructor(readonly tree: Beneath, private readonly opts: ApplyOptions) {}

  entry(h: Header, xattrs: Map<string, Buffer>): void {
    this.entries++;
    this.tree.trim();
    const path = entryPath(h.name);
    const wh = whiteoutOf(path);
    if (wh) {
      if (wh.kind === 'opaque') return this.opaque(wh.dir, h.name);
      return this.whiteout(wh.path, h.name);
    }
    if (path === '') {
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
        return this.file(parent, name, key, h, mode, skip, xattrs);
      case 'directory': {
        const fd = this.directory(parent, name, key, initial);
        const dir = this.tree.add(key, fd.fd);
        this.fdMetadata(dir.fd, h, mode, skip && fd.created, xattrs);
        this.dirTimes.set(key, mtimeOf(h));
        return;
      }
      case 'symlink':
        this.create(parent, name, key, () => at.trySymlink(h.linkname ?? '', parent.fd, name));
        break;
      case 'link':
        return this.hardlink(parent, name, key, h);
      case 'character-device': case 'block-device': case 'fifo': {
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

  /** file — created with open(O_EXCL|O_NOFOLLOW); its data goes to that fd as it arrives (data()). */
  private file(parent: DirHandle, name: string, key: string, h: Header, mode: number, skip: boolean, xattrs: Map<string, Buffer>): void {
    const initial = skip ? mode : 0o600;
    let fd = at.tryOpen(parent.fd, name, O_NEWFILE, initial);
    if (fd === -EEXIST) { this.clear(parent, name, key); fd = at.tryOpen(parent.fd, name, O_NEWFILE, initial); }
    if (fd < 0) throw errnoError(-fd, `create ${key}`);
    this.open = { fd, h, mode, skip, xattrs };
  }

  data(chunk: Buffer): void {
    const f = this.open;
    if (!f) return; // the data of a member that is not a regular file: not ours to write
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(f.fd, chunk, off);
    this.bytes += chunk.length;
  }

  /** entryEnd — a file's metadata, after its data: chown → chmod → xattrs → times. */
  entryEnd(): void {
    const f = this.open;
    if (!f) return;
    this.open = undefined;
    try {
      this.fdMetadata(f.fd, f.h, f.mode, f.skip, f.xattrs);
      const t = mtimeOf(f.h) / 1000;
      fs.futimesSync(f.fd, t, t);
    } finally {
      fs.closeSync(f.fd);
    }
  }

  /** abandon — closes a file left open by a failure. */
  abandon(): void {
    if (this.open) fs.closeSync(this.open.fd);
    this.open = undefined;
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
