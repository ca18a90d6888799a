/**
 * save — `tsnet save [-o FILE] [--format docker|oci] IMAGE...`: images as one tar that
 * docker load, skopeo and tsnet load read. docker-archive: manifest.json, each config as
 * <hex>.json and each layer uncompressed as <diffid-hex>/layer.tar. oci: an OCI image
 * layout (oci-layout, index.json naming each tag, blobs/sha256/* as stored; Docker
 * schema2 manifests are rewritten with OCI media types, blobs unchanged).
 */
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { TsnetError, invalid } from '../core/errors.js';
import type { ImageRecord } from '../state/images.js';
import { hexOf, sha256Digest } from './digest.js';
import type { ImageStore } from './image-store.js';
import { MEDIA, isGzipLayer, parseManifest, type ImageManifest } from './manifest.js';
import { familiarName } from './reference.js';

export type ArchiveFormat = 'docker' | 'oci';

export function parseArchiveFormat(text: string): ArchiveFormat {
  if (text === 'docker' || text === 'docker-archive') return 'docker';
  if (text === 'oci' || text === 'oci-archive') return 'oci';
  throw invalid(`archive format "${text}" is not docker or oci`);
}

type Pack = import('tar-stream').Pack;

function entry(p: Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => p.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
}

function streamEntry(p: Pack, name: string, size: number, fill: (w: Writable) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = p.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (e) => (e ? reject(e) : resolve())) as unknown as Writable;
    fill(w).catch(reject);
  });
}

/** shortTag — "busybox:latest" for docker.io/library/busybox:latest, as docker save writes it. */
function shortTag(name: string): string {
  const colon = name.lastIndexOf(':');
  return `${familiarName(name.slice(0, colon))}${name.slice(colon)}`;
}

export async function saveImages(store: ImageStore, names: string[], format: ArchiveFormat, out: Writable): Promise<void> {
  if (names.length === 0) throw invalid('save needs at least one image');
  const wanted = names.map((n) => ({ img: store.resolve(n), asked: n }));
  // tsnet-lint-disable-next-line no-require -- tar-stream loads only for save, not at CLI start-up
  const { pack } = require('tar-stream') as typeof import('tar-stream');
  const p = pack();
  const done = pipeline(p as unknown as NodeJS.ReadableStream, out);
  done.catch(() => undefined); // awaited below; a failed entry must not also be an unhandled rejection
  try {
    if (format === 'docker') await writeDocker(store, p, wanted.map((w) => w.img));
    else await writeOci(store, p, wanted.map((w) => w.img));
    p.finalize();
  } catch (e) {
    p.destroy(e as Error);
    throw e;
  }
  await done;
}

async function writeDocker(store: ImageStore, p: Pack, images: ImageRecord[]): Promise<void> {
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const written = new Set<string>();
  for (const img of images) {
    await entry(p, `${hexOf(img.id)}.json`, store.blobs.read(img.id));
    const layers: string[] = [];
    for (const chainId of img.layers) {
      const l = store.repo.layer(chainId)!;
      const name = `${hexOf(l.diffId)}/layer.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      await streamEntry(p, name, l.diffSize, (w) => {
        const src = fs.createReadStream(store.blobs.path(l.blobDigest));
        return isGzipLayer(l.blobMediaType) ? pipeline(src, createGunzip(), w) : pipeline(src, w);
      });
    }
    manifest.push({ Config: `${hexOf(img.id)}.json`, RepoTags: img.tags.map(shortTag), Layers: layers });
  }
  await entry(p, 'manifest.json', Buffer.from(JSON.stringify(manifest)));
}

async function writeOci(store: ImageStore, p: Pack, images: ImageRecord[]): Promise<void> {
  const written = new Set<string>();
  const blob = async (digest: string, data?: Buffer): Promise<void> => {
    if (written.has(digest)) return;
    written.add(digest);
    if (data) { await entry(p, `blobs/sha256/${hexOf(digest)}`, data); return; }
    await streamEntry(p, `blobs/sha256/${hexOf(digest)}`, store.blobs.size(digest), (w) => pipeline(fs.createReadStream(store.blobs.path(digest)), w));
  };
  await entry(p, 'oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  const index: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] = [];
  for (const img of images) {
    const { body, digest } = ociManifest(store, img);
    await blob(img.id, store.blobs.read(img.id));
    for (const chainId of img.layers) await blob(store.repo.layer(chainId)!.blobDigest);
    await blob(digest, body);
    const tags = img.tags.length > 0 ? img.tags : [undefined];
    for (const t of tags) {
      index.push({
        mediaType: MEDIA.ociManifest, digest, size: body.length,
        ...(t ? { annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': t.slice(t.lastIndexOf(':') + 1) } } : {}),
      });
    }
  }
  await entry(p, 'index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index })));
}

/** ociManifest — the stored manifest if it is OCI, else the same blobs with OCI media types. */
function ociManifest(store: ImageStore, img: ImageRecord): { body: Buffer; digest: string } {
  const stored = store.blobs.read(img.manifestDigest);
  if (img.manifestMediaType === MEDIA.ociManifest) return { body: stored, digest: img.manifestDigest };
  const m = parseManifest(stored, img.manifestMediaType) as ImageManifest;
  if (m.kind !== 'manifest') throw new TsnetError('EINTERNAL', `image ${img.id} has no image manifest`);
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { ...m.config, mediaType: MEDIA.ociConfig },
    layers: m.layers.map((l) => ({ ...l, mediaType: l.mediaType === MEDIA.dockerLayer ? MEDIA.ociLayer : l.mediaType })),
  }));
  return { body, digest: sha256Digest(body) };
}
