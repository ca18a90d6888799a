/**
 * push — `tsnet push REF`: the image's blobs, then its manifest, byte for byte as stored
 * (so the digest a registry reports is the one tsnet has). Each blob is skipped when the
 * registry has it (HEAD), mounted from another repository of the same registry when
 * tsnet knows one that holds it, and otherwise uploaded: monolithic for small blobs,
 * chunked (PATCH with Content-Range) above CHUNK bytes. Three layers at a time.
 */
import * as fs from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { getCredentials } from './credentials.js';
import { shortId } from './digest.js';
import type { ImageStore } from './image-store.js';
import { tagName } from './image-store.js';
import { parseManifest, type Descriptor, type ImageManifest } from './manifest.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';
import { RegistryClient, type Response } from './registry-client.js';
import { countBytes, runLimited, type ProgressFn } from './transfer.js';
import { PARALLEL_LAYERS } from './pull.js';

export interface PushOptions { insecure?: boolean | undefined; onProgress?: ProgressFn | undefined; chunkSize?: number | undefined }

/** Blobs larger than this go up in chunks of this size. */
export const CHUNK = 32 << 20;

export interface PushResult { reference: string; digest: string; mounted: number; uploaded: number; existed: number }

export async function pushImage(store: ImageStore, text: string, opts: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(text);
  if (ref.digest) throw new TsnetError('EINVAL', `push needs a tag, not a digest: "${text}"`);
  const img = store.resolve(tagName(text, true)!);
  const manifestBuf = store.blobs.read(img.manifestDigest);
  const manifest = parseManifest(manifestBuf, img.manifestMediaType) as ImageManifest;
  const client = new RegistryClient(ref.domain, { insecure: opts.insecure, credentials: getCredentials(store.root, ref.domain), limits: store.limits });
  const repo = repositoryName(ref);
  const progress = opts.onProgress ?? (() => undefined);
  const counts = { mounted: 0, uploaded: 0, existed: 0 };
  const blobJob = (d: Descriptor) => async (): Promise<void> => {
    const how = await pushBlob(store, client, ref, d, progress, opts.chunkSize ?? CHUNK);
    counts[how]++;
    store.repo.addBlobSource(d.digest, repo);
  };
  await runLimited([...manifest.layers, manifest.config].map(blobJob), PARALLEL_LAYERS);
  const scopes = [`repository:${ref.path}:pull,push`];
  const res = await client.request('PUT', `/v2/${ref.path}/manifests/${ref.tag}`, {
    headers: { 'content-type': img.manifestMediaType }, body: manifestBuf, scopes, ok: [201, 200],
  });
  res.body.resume();
  const said = res.headers['docker-content-digest'];
  if (typeof said === 'string' && said !== img.manifestDigest) {
    throw new TsnetError('EPEER', `${ref.domain} stored the manifest as ${said}, expected ${img.manifestDigest}`);
  }
  return { reference: formatReference(ref), digest: img.manifestDigest, ...counts };
}

async function pushBlob(store: ImageStore, client: RegistryClient, ref: ImageReference, d: Descriptor, progress: ProgressFn, chunk: number): Promise<'mounted' | 'uploaded' | 'existed'> {
  const id = shortId(d.digest);
  const scopes = [`repository:${ref.path}:pull,push`];
  const head = await client.request('HEAD', `/v2/${ref.path}/blobs/${d.digest}`, { scopes, ok: [200, 404] });
  head.body.resume();
  if (head.status === 200) { progress({ id, status: 'Layer already exists', current: d.size, total: d.size }); return 'existed'; }
  let start: Response | undefined;
  const from = store.repo.blobSources(d.digest).map((r) => parseReference(r))
    .find((r) => r.domain === ref.domain && r.path !== ref.path);
  if (from) {
    const mountScopes = [...scopes, `repository:${from.path}:pull`];
    start = await client.request('POST', `/v2/${ref.path}/blobs/uploads/?mount=${d.digest}&from=${from.path}`, { scopes: mountScopes, ok: [201, 202] });
    start.body.resume();
    if (start.status === 201) { progress({ id, status: `Mounted from ${from.path}`, current: d.size, total: d.size }); return 'mounted'; }
  }
  if (!start) {
    start = await client.request('POST', `/v2/${ref.path}/blobs/uploads/`, { scopes, ok: [202] });
    start.body.resume();
  }
  let location = client.location(start);
  const path = store.blobs.path(d.digest);
  const report = (base: number) => (n: number): void => progress({ id, status: 'Pushing', current: base + n, total: d.size });
  progress({ id, status: 'Preparing', current: 0, total: d.size });
  if (d.size > chunk) {
    for (let off = 0; off < d.size; off += chunk) {
      const end = Math.min(d.size, off + chunk);
      const r = await client.request('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - off), 'content-range': `${off}-${end - 1}` },
        body: () => countBytes(fs.createReadStream(path, { start: off, end: end - 1 }), report(off)), scopes, ok: [202],
      });
      r.body.resume();
      location = client.location(r);
    }
    const done = await client.request('PUT', withDigest(location, d.digest), { headers: { 'content-length': '0' }, body: Buffer.alloc(0), scopes, ok: [201] });
    done.body.resume();
  } else {
    const done = await client.request('PUT', withDigest(location, d.digest), {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(d.size) },
      body: () => countBytes(fs.createReadStream(path), report(0)), scopes, ok: [201],
    });
    done.body.resume();
  }
  progress({ id, status: 'Pushed', current: d.size, total: d.size });
  return 'uploaded';
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}
