/**
 * oci-layout — writes an OCI image layout directory by hand (gzip layers, config,
 * manifest, index.json), independently of tsnet's own writer, so that skopeo can push it
 * to the test registry and tsnet's pull is checked against content it did not make.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface LayoutImage { manifestDigest: string; layerDigests: string[]; diffIds: string[] }

function imageBlobs(put: (b: Buffer) => string, tars: Buffer[], architecture: string, gzipLevel: number): { manifest: Buffer; digest: string; layerDigests: string[]; diffIds: string[] } {
  const diffIds = tars.map(sha);
  const gz = tars.map((t) => gzipSync(t, { level: gzipLevel }));
  const layers = gz.map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: put(g), size: g.length }));
  const config = Buffer.from(JSON.stringify({
    created: '2026-01-01T00:00:00Z', architecture, os: 'linux',
    config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length }, layers,
  }));
  return { manifest, digest: put(manifest), layerDigests: layers.map((l) => l.digest), diffIds };
}

function layoutWriter(dir: string): (b: Buffer) => string {
  const blobs = join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return (b: Buffer): string => { const d = sha(b); fs.writeFileSync(join(blobs, d.slice(7)), b); return d; };
}

function writeIndex(dir: string, entry: Record<string, unknown>, tag: string): void {
  fs.writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ ...entry, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
}

/** writeOciLayout — `tars` are plain layer tars, bottom first; tag names the image in index.json. */
export function writeOciLayout(dir: string, tars: Buffer[], tag: string, opts: { gzipLevel?: number } = {}): LayoutImage {
  const put = layoutWriter(dir);
  const img = imageBlobs(put, tars, 'amd64', opts.gzipLevel ?? 6);
  writeIndex(dir, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length }, tag);
  return { manifestDigest: img.digest, layerDigests: img.layerDigests, diffIds: img.diffIds };
}

/** writeMultiArch — an OCI index of one image per architecture (one layer each) under tag. */
export function writeMultiArch(dir: string, perArch: Record<string, Buffer>, tag: string): Record<string, LayoutImage> {
  const put = layoutWriter(dir);
  const out: Record<string, LayoutImage> = {};
  const manifests = Object.entries(perArch).map(([arch, tar]) => {
    const img = imageBlobs(put, [tar], arch, 6);
    out[arch] = { manifestDigest: img.digest, layerDigests: img.layerDigests, diffIds: img.diffIds };
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length, platform: { os: 'linux', architecture: arch } };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  writeIndex(dir, { mediaType: 'application/vnd.oci.image.index.v1+json', digest: put(index), size: index.length }, tag);
  return out;
}
