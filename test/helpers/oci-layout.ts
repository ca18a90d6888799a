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

/** writeOciLayout — `tars` are plain layer tars, bottom first; tag names the image in index.json. */
export function writeOciLayout(dir: string, tars: Buffer[], tag: string, opts: { gzipLevel?: number } = {}): LayoutImage {
  const blobs = join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): string => { const d = sha(b); fs.writeFileSync(join(blobs, d.slice(7)), b); return d; };
  const diffIds = tars.map(sha);
  const gz = tars.map((t) => gzipSync(t, { level: opts.gzipLevel ?? 6 }));
  const layers = gz.map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: put(g), size: g.length }));
  const config = Buffer.from(JSON.stringify({
    created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length }, layers,
  }));
  const manifestDigest = put(manifest);
  fs.writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { manifestDigest, layerDigests: layers.map((l) => l.digest), diffIds };
}
