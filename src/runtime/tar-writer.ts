/**
 * tar-writer — a directory tree as a tar stream (export, commit, cp), read by fd from a
 * root the caller opened: each directory is opened with O_NOFOLLOW relative to its parent,
 * each entry is lstat'ed through its directory's fd and files are opened O_NOFOLLOW, so a
 * symlink a container made is archived as a symlink and never followed, even if it is
 * swapped in while the walk runs. Hard links are kept as links; sockets are skipped.
 * `rename` maps each entry (commit turns overlay whiteouts into ".wh." entries with it);
 * returning undefined leaves the entry out.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pack, type Header, type Pack } from 'tar-stream';

export type Headers = Partial<Header> & { name: string };
import { O_DIR, at } from '../storage/at.js';

const O_FILE = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | 0o2000000;

export interface WalkEntry { path: string; st: fs.Stats; dirFd: number; name: string }

/** EntryMap — the header to write for an entry (undefined: leave it out), and empty entries to write right after it. */
export type EntryMap = (e: WalkEntry, base: Headers) => { header: Headers; after?: Headers[] } | undefined;

function typeOf(st: fs.Stats): Headers['type'] | undefined {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined; // a socket: not archivable
}

/** packStream — packTree as a Node Readable (what pipeline and the unpacker read). */
export function packStream(rootDir: string, start: string, as: string, map?: EntryMap): Readable {
  return Readable.from(packTree(rootDir, start, as, map));
}

/**
 * packTree — entries for `start` (a cleaned relative path inside rootDir, "" for all of it)
 * and everything under it, named `as` + the rest ("" keeps the names relative to rootDir).
 */
export function packTree(rootDir: string, start: string, as: string, map?: EntryMap): Pack {
  const p = pack();
  const links = new Map<string, string>();
  const rootFd = at.open(-100, rootDir, O_DIR);
  const entry = (dirFd: number, name: string, rel: string, outName: string): Promise<void> | void => {
    const st = fs.lstatSync(`/proc/self/fd/${dirFd}/${name}`);
    const type = typeOf(st);
    if (!type) return;
    const base: Headers = {
      name: outName === '' ? '.' : outName, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: type === 'file' ? st.size : 0,
    };
    if (type === 'character-device' || type === 'block-device') {
      base.devmajor = Math.floor(st.rdev / 256) & 0xfff;
      base.devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff);
    }
    if (type === 'symlink') base.linkname = at.readlink(dirFd, name) ?? '';
    if (type === 'file' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) { base.type = 'link'; base.linkname = first; base.size = 0; } else links.set(key, base.name);
    }
    const m = map ? map({ path: rel, st, dirFd, name }, base) : { header: base };
    if (!m) return;
    const empty = (h: Headers): Promise<void> => new Promise<void>((resolve, reject) => p.entry({ ...h, size: 0 }, Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
    const first = m.header.type === 'file' && m.header.size !== 0 ? writeFile(p, m.header, dirFd, name, st.size) : m.header.type === 'file' ? empty(m.header) : new Promise<void>((resolve, reject) => p.entry(m.header, (e) => (e ? reject(e) : resolve())));
    return first.then(async () => { for (const h of m.after ?? []) await empty(h); });
  };
  const walk = async (): Promise<void> => {
    try {
      const startParts = start.split('/').filter(Boolean);
      let dirFd = rootFd;
      const opened: number[] = [];
      for (const part of startParts.slice(0, -1)) {
        dirFd = at.open(dirFd, part, O_DIR);
        opened.push(dirFd);
      }
      const last = startParts[startParts.length - 1];
      if (last === undefined) {
        await walkDir(rootFd, '', as);
      } else {
        await entry(dirFd, last, start, as);
        if (fs.lstatSync(`/proc/self/fd/${dirFd}/${last}`).isDirectory()) {
          const sub = at.open(dirFd, last, O_DIR);
          try { await walkDir(sub, start, as); } finally { fs.closeSync(sub); }
        }
      }
      for (const fd of opened) fs.closeSync(fd);
      p.finalize();
    } catch (e) {
      p.destroy(e as Error);
    } finally {
      fs.closeSync(rootFd);
    }
  };
  const walkDir = async (dirFd: number, rel: string, out: string): Promise<void> => {
    for (const name of fs.readdirSync(`/proc/self/fd/${dirFd}`).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childOut = out ? `${out}/${name}` : name;
      await entry(dirFd, name, childRel, childOut);
      if (fs.lstatSync(`/proc/self/fd/${dirFd}/${name}`).isDirectory()) {
        const sub = at.tryOpen(dirFd, name, O_DIR);
        if (sub < 0) continue; // replaced by something else meanwhile
        try { await walkDir(sub, childRel, childOut); } finally { fs.closeSync(sub); }
      }
    }
  };
  void walk();
  return p;
}

/** writeFile — a regular file's content through an fd opened O_NOFOLLOW (the size as lstat saw it), with backpressure. */
async function writeFile(p: Pack, h: Headers, dirFd: number, name: string, size: number): Promise<void> {
  const fd = at.tryOpen(dirFd, name, O_FILE);
  let finish: (e?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => { finish = (e) => (e ? reject(e) : resolve()); });
  const sink = p.entry({ ...h, size: fd < 0 ? 0 : size }, (e) => finish(e));
  if (fd < 0) { sink.end(undefined); return done; }
  try {
    let left = size;
    while (left > 0) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, left));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      left -= n;
      if (!sink.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
    // A file that shrank meanwhile is padded: the header promised `size` bytes.
    if (left > 0) sink.write(Buffer.alloc(left));
    sink.end(undefined);
  } finally {
    fs.closeSync(fd);
  }
  return done;
}
