/**
 * cp — `tsnet cp CONTAINER:SRC DEST` and `tsnet cp SRC CONTAINER:DEST` (DEST or SRC "-": a
 * tar on stdout/stdin), Docker's rules: a copy lands inside an existing directory under its
 * own name, else takes the destination's name. Everything goes through a tar: packed by fd
 * without following symlinks (tar-writer.ts) and unpacked by storage/apply-layer.ts, which
 * resolves every member inside its destination and never follows a symlink out of it, on
 * the host as in the container. Names starting ".wh." are left out of what comes from a
 * container: the unpacker would take them for whiteouts and delete files at the destination.
 */
import * as fs from 'node:fs';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../engine/context.js';
import { TsnetError, invalid } from '../core/errors.js';
import { applyLayer } from '../storage/apply-layer.js';
import { AT_FDCWD, O_DIR, at } from '../storage/at.js';
import { Beneath } from '../storage/beneath.js';
import { entryPath } from '../storage/entry-path.js';
import { reconcile, requireContainer } from './reconcile.js';
import { withRootfsView } from './rootfs-view.js';
import { containerPath } from './spec.js';
import { packStream, type EntryMap } from './tar-writer.js';

const UNPACK = { whiteouts: 'delete' as const, devices: true };

/** noWhiteouts — a container's files named like whiteouts are not copied (and reported). */
function noWhiteouts(skipped: string[]): EntryMap {
  return (_e, h) => {
    if (h.name.split('/').some((p) => p.startsWith('.wh.'))) { skipped.push(h.name); return undefined; }
    return { header: h };
  };
}

/**
 * inRoot — runs fn with the directory `rel` of `root` resolved inside it (its symlinks
 * followed as the container sees them, never out of it), as a path that names exactly that
 * directory (/proc/self/fd/N), or undefined when it does not exist.
 */
async function inRoot<T>(root: string, rel: string, fn: (dir: string | undefined) => Promise<T>): Promise<T> {
  const rootFd = at.open(AT_FDCWD, root, O_DIR);
  const tree = new Beneath(rootFd);
  try {
    const d = tree.dir(rel, { create: false, follow: true, member: rel || '/' });
    return await fn(d ? `/proc/self/fd/${d.fd}/.` : undefined);
  } finally {
    tree.close();
    fs.closeSync(rootFd);
  }
}

/** kindIn — what `name` is in the directory `dir` (not following a symlink): 'dir', 'other', or undefined when absent. */
function kindIn(dir: string, name: string): 'dir' | 'other' | undefined {
  try { return fs.lstatSync(`${dir}/${name}`).isDirectory() ? 'dir' : 'other'; } catch { return undefined; }
}

export async function copyFromContainer(ctx: EngineContext, name: string, src: string, dest: string | Writable): Promise<{ skipped: string[] }> {
  const rel = entryPath(containerPath(src, 'source').slice(1), 'path');
  const c = await reconcile(ctx, requireContainer(ctx, name));
  const skipped: string[] = [];
  const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  await withRootfsView(ctx.root, c, 'read', (root) => inRoot(root, parent, async (dir) => {
    if (!dir || (base !== '' && !kindIn(dir, base))) throw new TsnetError('ENOTFOUND', `${src} does not exist in container ${c.name}`);
    if (typeof dest !== 'string') { await pipeline(packStream(dir, base, base, noWhiteouts(skipped)), dest); return; }
    const abs = resolvePath(dest);
    const destIsDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
    if (!destIsDir && !fs.existsSync(dirname(abs))) throw new TsnetError('ENOTFOUND', `${dirname(abs)} does not exist`);
    const as = destIsDir ? (base || c.name) : basename(abs);
    await applyLayer(packStream(dir, base, as, noWhiteouts(skipped)), destIsDir ? abs : dirname(abs), UNPACK);
  }));
  return { skipped };
}

export async function copyToContainer(ctx: EngineContext, src: string | Readable, name: string, dest: string): Promise<void> {
  const destRel = entryPath(containerPath(dest, 'destination').slice(1), 'path');
  const c = await reconcile(ctx, requireContainer(ctx, name));
  if (typeof src === 'string' && !fs.existsSync(src)) throw new TsnetError('ENOTFOUND', `${src} does not exist`);
  const parent = destRel.includes('/') ? destRel.slice(0, destRel.lastIndexOf('/')) : '';
  const base = destRel.slice(destRel.lastIndexOf('/') + 1);
  await withRootfsView(ctx.root, c, 'write', (root) => inRoot(root, parent, async (dir) => {
    if (!dir) throw new TsnetError('ENOTFOUND', `/${parent} does not exist in container ${c.name}`);
    if (typeof src !== 'string') {
      // A tar from stdin is unpacked into the destination directory, as docker cp - does.
      if (base !== '' && kindIn(dir, base) !== 'dir') throw new TsnetError('ENOTFOUND', `${dest} is not a directory in container ${c.name}`);
      await inRoot(root, destRel, (into) => applyLayer(src, into!, UNPACK));
      return;
    }
    if (base === '') throw invalid('copying to / needs a name: CONTAINER:/NAME');
    const abs = resolvePath(src);
    // An existing directory (or a symlink to one, followed inside the root) takes the copy inside, under its own name.
    // (A symlink to a file makes resolving it fail: then the copy replaces it.)
    const isDir = kindIn(dir, base) !== undefined && await inRoot(root, destRel, async (d) => d !== undefined).catch(() => false);
    if (isDir) await inRoot(root, destRel, (d) => applyLayer(packStream(dirname(abs), basename(abs), basename(abs)), d!, UNPACK));
    else await applyLayer(packStream(dirname(abs), basename(abs), base), dir, UNPACK);
  }));
}
