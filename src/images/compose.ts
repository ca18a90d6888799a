/**
 * compose — records an image tsnet assembled itself (import, docker-archive load): the
 * config as given (its digest is the image id) and an OCI manifest written for it.
 */
import type { ImageRecord, LayerRecord } from '../state/images.js';
import type { ImageStore } from './image-store.js';
import { MEDIA, parseConfig } from './manifest.js';

/** composeImage — a config object gets rootfs.diff_ids from the layers, then is recorded. */
export function composeImage(store: ImageStore, config: Record<string, unknown>, layers: LayerRecord[], tags: string[]): ImageRecord {
  const full = { ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } };
  return recordWithManifest(store, Buffer.from(JSON.stringify(full)), layers, tags);
}

/** recordWithManifest — an existing config blob plus its layers, with a fresh OCI manifest. */
export function recordWithManifest(store: ImageStore, configBuf: Buffer, layers: LayerRecord[], tags: string[]): ImageRecord {
  const config = parseConfig(configBuf);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: store.blobs.put(configBuf), size: configBuf.length },
    layers: layers.map((l) => ({ mediaType: l.blobMediaType, digest: l.blobDigest, size: l.blobSize })),
  };
  return store.addImage({
    config: configBuf, manifest: Buffer.from(JSON.stringify(manifest)), manifestMediaType: MEDIA.ociManifest,
    layers, created: config.created, tags,
  });
}

/** baseConfig — the config of an image made from a bare rootfs. */
export function baseConfig(createdBy: string): Record<string, unknown> {
  const created = new Date().toISOString();
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  return {
    created, architecture: arch[process.arch] ?? process.arch, os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    history: [{ created, created_by: createdBy }],
  };
}
