/**
 * ingest-layer — one layer from a byte stream to an unpacked, recorded layer in a single
 * pass: the compressed bytes are hashed and stored as a blob on the way, decompressed,
 * hashed again (the diff id) and unpacked by the graph driver. Both digests must match
 * what the manifest and config promised, else the temp blob and temp layer dir are
 * removed and nothing is recorded.
 */
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TsnetError } from '../core/errors.js';
import { applyLayer } from '../storage/apply-layer.js';
import type { LayerRecord } from '../state/images.js';
import { digestStream } from './content-store.js';
import { chainIds, sha256Digest } from './digest.js';
import { isGzipLayer } from './manifest.js';
import { sizeText } from './limits.js';
import { configPath } from '../state/config.js';
import type { ImageStore } from './image-store.js';

export interface LayerSource {
  /** Compressed blob digest and size, when the manifest gave them. */
  digest?: string | undefined;
  size?: number | undefined;
  mediaType: string;
  /** The uncompressed digest, from the image config. */
  diffId: string;
}

/** chainIdOf — the chain id of a layer with diffId on top of parent. */
export function chainIdOf(parent: string | undefined, diffId: string): string {
  return parent ? sha256Digest(`${parent} ${diffId}`) : chainIds([diffId])[0]!;
}

/** hasLayer — recorded in state and present on disk. */
export function hasLayer(store: ImageStore, chainId: string): LayerRecord | undefined {
  const l = store.repo.layer(chainId);
  return l && store.driver.hasLayer(chainId) && store.blobs.has(l.blobDigest) ? l : undefined;
}

/** ingestLayer — `open` is called only when the layer is not already there. */
export async function ingestLayer(store: ImageStore, open: () => Readable | Promise<Readable>, src: LayerSource, parent: string | undefined): Promise<LayerRecord> {
  const chainId = chainIdOf(parent, src.diffId);
  const existing = hasLayer(store, chainId);
  if (existing) return existing;
  const source = await open();
  const driver = store.driver;
  const blob = store.blobs.writer(src.digest, src.size);
  const max = store.limits.maxLayerBytes;
  const diff = digestStream(max, () => new TsnetError('EINVAL', `layer ${src.digest ?? src.diffId} unpacks to more than ${sizeText(max)}, the max-layer-size of ${configPath(store.root)}; refusing`));
  const stages: NodeJS.ReadWriteStream[] = [blob.tee()];
  if (isGzipLayer(src.mediaType)) stages.push(createGunzip({ chunkSize: 1 << 18 }));
  const tar = (pipeline as unknown as (...s: unknown[]) => Readable)(source, ...stages, diff, () => undefined);
  try {
    const r = await driver.createLayer(chainId, parent, async (dir) => {
      const applied = await applyLayer(tar, dir, driver.applyOptions());
      await blob.flushed();
      const blobDigest = blob.commit();
      if (diff.digest() !== src.diffId) {
        store.blobs.remove(blobDigest);
        throw new TsnetError('EINVAL', `layer ${src.digest ?? blobDigest} unpacks to ${diff.digest()}, but the image config says ${src.diffId}: corrupted or mismatched`);
      }
      return { applied, blobDigest };
    });
    const layer: LayerRecord = {
      chainId, diffId: src.diffId, parent: parent ?? null, blobDigest: r.blobDigest,
      blobMediaType: src.mediaType, blobSize: blob.bytes, diffSize: diff.bytes, size: r.applied.bytes,
    };
    store.recordLayer(layer);
    return layer;
  } catch (e) {
    await blob.flushed().catch(() => undefined);
    blob.abort();
    source.destroy();
    if (e instanceof TsnetError) throw e;
    throw new TsnetError('EINVAL', `layer ${src.digest ?? src.diffId} is corrupted or truncated: ${(e as Error).message}`);
  }
}
