/**
 * tree — test helpers for filesystem trees: a source tree with every kind of entry an
 * image carries (made with real syscalls), a listing that captures what must survive a
 * round trip (type, mode incl. setuid/setgid, owner, link target, device numbers, xattrs,
 * hardlink groups, file content), and small tar builders for hand-crafted layers.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import { lgetxattr, llistxattr, lsetxattr, mknod, S_IFCHR, S_IFIFO } from '../../src/storage/libc.js';

export interface Node { type: string; mode: string; owner: string; extra: string; xattrs: string }

/** listTree — relative path → what a faithful copy must keep. Hardlinks are shown as
 * "=first-path" of their inode group. */
export function listTree(root: string, opts: { skipOverlayXattrs?: boolean } = {}): Map<string, Node> {
  const out = new Map<string, Node>();
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    const full = rel ? join(root, rel) : root;
    for (const name of fs.readdirSync(full).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      const st = fs.lstatSync(p);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'chr' : st.isBlockDevice() ? 'blk' : 'other';
      let extra = '';
      if (type === 'symlink') extra = fs.readlinkSync(p);
      else if (type === 'chr' || type === 'blk') extra = `${Math.floor(st.rdev / 256)}:${st.rdev % 256}`;
      else if (type === 'file') {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (st.nlink > 1 && !first) inodes.set(st.ino, r);
        extra = first ? `=${first}` : createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16);
      }
      const names = llistxattr(p).filter((n) => !(opts.skipOverlayXattrs && n.startsWith('trusted.overlay.'))).sort();
      const xattrs = names.map((n) => `${n}=${lgetxattr(p, n)!.toString('hex')}`).join(',');
      const mode = type === 'symlink' ? '' : (st.mode & 0o7777).toString(8);
      out.set(r, { type, mode, owner: `${st.uid}:${st.gid}`, extra, xattrs });
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** makeSourceTree — one of everything: setuid/setgid, owners, links, devices, FIFO, xattrs, caps. */
export function makeSourceTree(dir: string): void {
  const mk = (p: string, mode: number, content = p): void => { fs.writeFileSync(join(dir, p), content); fs.chmodSync(join(dir, p), mode); };
  for (const d of ['bin', 'etc', 'dev', 'usr/lib/deep/er', 'home/u', 'tmp']) fs.mkdirSync(join(dir, d), { recursive: true });
  fs.chmodSync(join(dir, 'tmp'), 0o1777);
  mk('bin/tool', 0o755, 'x'.repeat(3000));
  mk('bin/suid', 0o4755);
  fs.chownSync(join(dir, 'bin/suid'), 1000, 1000);
  fs.chmodSync(join(dir, 'bin/suid'), 0o4755);
  mk('bin/sgid', 0o2755);
  fs.chownSync(join(dir, 'bin/sgid'), 0, 5);
  fs.chmodSync(join(dir, 'bin/sgid'), 0o2755);
  mk('etc/config', 0o640);
  fs.chownSync(join(dir, 'home/u'), 1000, 100);
  fs.linkSync(join(dir, 'bin/tool'), join(dir, 'bin/tool-hardlink'));
  fs.symlinkSync('tool', join(dir, 'bin/rel-link'));
  fs.symlinkSync('/etc/config', join(dir, 'bin/abs-link'));
  fs.lchownSync(join(dir, 'bin/abs-link'), 7, 8);
  mknod(join(dir, 'dev/null'), S_IFCHR | 0o666, 1, 3);
  mknod(join(dir, 'dev/fifo'), S_IFIFO | 0o600);
  mk('usr/lib/deep/er/big', 0o644, Buffer.alloc(3 << 20, 7).toString());
  mk('bin/cap', 0o755);
  lsetxattr(join(dir, 'bin/cap'), 'user.note', Buffer.from('hello'));
  // security.capability v2 for cap_net_raw+ep: binary, with bytes >= 0x80 in the header.
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 13, 4);
  lsetxattr(join(dir, 'bin/cap'), 'security.capability', cap);
  lsetxattr(join(dir, 'etc'), 'user.dir', Buffer.from([0xff, 0x00, 0x80]));
}

/** gnuTar — the tree as a tar, made by GNU tar with xattrs (an independent encoder). */
export function gnuTar(dir: string, out: string): void {
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--sort=name', '-C', dir, '-cf', out, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
}

export interface CraftedEntry { name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device'; linkname?: string; body?: string; mode?: number; mtime?: Date; uid?: number; gid?: number }

/** craftTar — a tar from hand-written entries (hostile names included) as a Buffer. */
export async function craftTar(entries: CraftedEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const e of entries) {
    const type = e.type ?? 'file';
    const mode = e.mode ?? (type === 'directory' ? 0o755 : 0o644);
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, linkname: e.linkname ?? '', mode, devmajor: 1, devminor: 3, mtime: e.mtime ?? new Date(), uid: e.uid ?? 0, gid: e.gid ?? 0 };
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') p.entry(header, e.body ?? '', cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
