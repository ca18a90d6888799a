/**
 * import — `tsnet import ROOTFS.tar NAME[:TAG]`: a rootfs tar (plain or gzip) becomes a
 * one-layer image. The tar is first compressed into the content store (hashing the plain
 * bytes for the diff id on the way), then unpacked from that blob like a pulled layer.
 */
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { TsnetError } from '../core/errors.js';
import type { ImageRecord, LayerRecord } from '../state/images.js';
import { baseConfig, composeImage } from './compose.js';
import { digestStream } from './content-store.js';
import { chainIdOf, ingestLayer } from './ingest-layer.js';
import type { ImageStore } from './image-store.js';
import { tagName } from './image-store.js';
import { withLock } from './lock.js';
import { MEDIA } from './manifest.js';
import { sizeText } from './limits.js';
import { configPath } from '../state/config.js';

/** storeAsGzipBlob — a (possibly gzipped) tar file → gzip blob; returns digests and size. */
export async function storeAsGzipBlob(store: ImageStore, file: string): Promise<{ digest: string; size: number; diffId: string }> {
  const head = Buffer.alloc(2);
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) { throw new TsnetError('ENOTFOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`); }
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const max = store.limits.maxLayerBytes;
  const diff = digestStream(max, () => new TsnetError('EINVAL', `${file} unpacks to more than ${sizeText(max)}, the max-layer-size of ${configPath(store.root)}; refusing`));
  const w = store.blobs.writer();
  try {
    const input = fs.createReadStream(file);
    if (gz) await pipeline(input, createGunzip(), diff, createGzip({ level: 1 }), w.sink());
    else await pipeline(input, diff, createGzip({ level: 1 }), w.sink());
    const digest = w.commit();
    return { digest, size: w.bytes, diffId: diff.digest() };
  } catch (e) {
    w.abort();
    if (e instanceof TsnetError) throw e;
    throw new TsnetError('EINVAL', `cannot read ${file} as a tar: ${(e as Error).message}`);
  }
}

/**
 * ingestTarFile — a layer tar file (plain or gzip) → a stored, unpacked layer on `parent`.
 * `diffId`, when the caller knows it (a docker-archive's config), must match.
 */
export async function ingestTarFile(store: ImageStore, file: string, parent: string | undefined, diffId?: string): Promise<LayerRecord> {
  const blob = await storeAsGzipBlob(store, file);
  try {
    if (diffId && blob.diffId !== diffId) throw new TsnetError('EINVAL', `layer ${file} has diff id ${blob.diffId}, but the image config says ${diffId}`);
    return await withLock(store.root, chainIdOf(parent, blob.diffId), () =>
      ingestLayer(store, () => fs.createReadStream(store.blobs.path(blob.digest)), { ...blob, mediaType: MEDIA.ociLayer }, parent));
  } catch (e) {
    if (!store.repo.blobInUse(blob.digest)) store.blobs.remove(blob.digest);
    throw e;
  }
}

export async function importRootfs(store: ImageStore, file: string, name: string): Promise<ImageRecord> {
  const tag = tagName(name, true)!;
  const layer = await ingestTarFile(store, file, undefined);
  return composeImage(store, baseConfig(`tsnet import ${file}`), [layer], [tag]);
}
