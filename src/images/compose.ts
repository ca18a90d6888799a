/**
 * compose — writes the config and an OCI manifest for layers tsnet made itself (import,
 * docker-archive load) and records the image. The config is canonical JSON of `config`
 * with rootfs.diff_ids set from the layers, so its digest — the image id — is stable.
 */
import type { ImageRecord, LayerRecord } from '../state/images.js';
import type { ImageStore } from './image-store.js';
import { MEDIA } from './manifest.js';

export function composeImage(store: ImageStore, config: Record<string, unknown>, layers: LayerRecord[], tags: string[]): ImageRecord {
  const full = { ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } };
  const configBuf = Buffer.from(JSON.stringify(full));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: store.blobs.put(configBuf), size: configBuf.length },
    layers: layers.map((l) => ({ mediaType: l.blobMediaType, digest: l.blobDigest, size: l.blobSize })),
  };
  return store.addImage({
    config: configBuf, manifest: Buffer.from(JSON.stringify(manifest)), manifestMediaType: MEDIA.ociManifest,
    layers, created: typeof config['created'] === 'string' ? config['created'] : undefined, tags,
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
