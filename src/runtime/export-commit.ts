/**
 * export-commit — `tsnet export` (a container's filesystem as one tar) and `tsnet commit`
 * (a new image: the image's layers plus one layer of what the container changed). Commit
 * reads overlay's upper dir and turns its whiteouts (0:0 character devices) and opaque
 * directories (trusted.overlay.opaque) into OCI ".wh." entries; with vfs the whole rootfs
 * becomes the new image's only layer. The new config is the image's, with the container's
 * command, environment, working directory and user, and a history line.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { EngineContext } from '../engine/context.js';
import { TsnetError } from '../core/errors.js';
import { composeImage } from '../images/compose.js';
import { ingestTarFile } from '../images/import.js';
import { ImageStore, tagName } from '../images/image-store.js';
import { parseConfig } from '../images/manifest.js';
import type { ImageRecord, LayerRecord } from '../state/images.js';
import { lgetxattr } from '../storage/libc.js';
import { tempName } from '../storage/temp-name.js';
import { storedConfig } from './create.js';
import { reconcile, requireContainer } from './reconcile.js';
import { withRootfsView } from './rootfs-view.js';
import { packStream, type EntryMap } from './tar-writer.js';

/** exportContainer — the container's filesystem (without its mounts) as a tar on `out`. */
export async function exportContainer(ctx: EngineContext, text: string, out: Writable): Promise<void> {
  const c = await reconcile(ctx, requireContainer(ctx, text));
  await withRootfsView(ctx.root, c, 'read', (dir) => pipeline(packStream(dir, '', ''), out));
}

/**
 * overlayDiff — upper-dir entries as an OCI layer: a whiteout device becomes ".wh.NAME", an
 * opaque directory gets ".wh..wh..opq" inside it, right after its own entry.
 */
const overlayDiff: EntryMap = (e, h) => {
  const slash = h.name.lastIndexOf('/');
  const dir = slash < 0 ? '' : h.name.slice(0, slash + 1);
  if (e.st.isCharacterDevice() && e.st.rdev === 0) return { header: { name: `${dir}.wh.${h.name.slice(slash + 1)}`, type: 'file', mode: 0o600, mtime: h.mtime } };
  if (e.st.isDirectory() && e.path !== '' && isOpaque(e.dirFd, e.name)) return { header: h, after: [{ name: `${h.name}/.wh..wh..opq`, type: 'file', mode: 0o600 }] };
  return { header: h };
};

export interface CommitOptions { reference?: string | undefined; message?: string | undefined; author?: string | undefined }

export async function commitContainer(ctx: EngineContext, text: string, opts: CommitOptions = {}): Promise<ImageRecord> {
  const tag = opts.reference === undefined ? undefined : tagName(opts.reference, true);
  const c = await reconcile(ctx, requireContainer(ctx, text));
  const cfg = storedConfig(c);
  const store = new ImageStore({ root: ctx.root, db: ctx.db });
  const image = store.repo.image(c.imageId);
  if (!image) throw new TsnetError('ENOTFOUND', `the image of container ${c.name} is gone`);
  const tmp = join(ctx.root, tempName('commit'));
  try {
    const upper = cfg.rootfs.overlay ? join(cfg.rootfs.path, '..', 'upper') : undefined;
    const tar = upper ? packStream(upper, '', '', overlayDiff) : await withRootfsView(ctx.root, c, 'read', async (dir) => packStream(dir, '', ''));
    await pipeline(tar, fs.createWriteStream(tmp, { mode: 0o600 }));
    const parents: LayerRecord[] = upper ? image.layers.map((l) => store.repo.layer(l)!) : [];
    const layer = await ingestTarFile(store, tmp, parents[parents.length - 1]?.chainId);
    const base = parseConfig(store.blobs.read(image.id)).raw;
    const created = new Date().toISOString();
    const runtime: Record<string, unknown> = { ...((base['config'] as Record<string, unknown> | undefined) ?? {}), Env: cfg.process.env.filter((e) => !e.startsWith('HOSTNAME=')), WorkingDir: cfg.process.workdir, User: cfg.process.user };
    if (cfg.spec.cmd) runtime['Cmd'] = cfg.spec.cmd;
    if (cfg.spec.entrypoint) runtime['Entrypoint'] = cfg.spec.entrypoint;
    const history = [...((base['history'] as unknown[] | undefined) ?? []), { created, created_by: `tsnet commit ${c.name}`, ...(opts.message ? { comment: opts.message } : {}) }];
    return composeImage(store, { ...base, created, ...(opts.author ? { author: opts.author } : {}), config: runtime, history }, [...parents, layer], tag ? [tag] : []);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function isOpaque(dirFd: number, name: string): boolean {
  try {
    return lgetxattr(`/proc/self/fd/${dirFd}/${name}`, 'trusted.overlay.opaque')?.toString() === 'y';
  } catch {
    return false;
  }
}
