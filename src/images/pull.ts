/**
 * pull — `tsnet pull REF`: manifest (an index picks linux/<arch>), config, then the layers,
 * three at a time, each streamed from the registry through ingest-layer (stored, hashed,
 * decompressed and unpacked in one pass). Each layer is taken under a lock named by its
 * chain id, so a concurrent pull of the same image waits and then finds it present. A
 * failed pull removes the layers it made that no image uses.
 */
import type { Readable } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import type { ImageRecord, LayerRecord } from '../state/images.js';
import { getCredentials } from './credentials.js';
import { chainIds, parseDigest, sha256Digest, shortId } from './digest.js';
import { hasLayer, ingestLayer } from './ingest-layer.js';
import type { ImageStore } from './image-store.js';
import { withLock } from './lock.js';
import { MANIFEST_ACCEPT, checkLayerCount, parseConfig, parseManifest, selectPlatform, type Descriptor, type ImageManifest } from './manifest.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';
import { capped, readAll } from './http-transport.js';
import { sizeText } from './limits.js';
import { RegistryClient } from './registry-client.js';
import { countBytes, runLimited, type ProgressFn } from './transfer.js';

export interface PullOptions { insecure?: boolean | undefined; onProgress?: ProgressFn | undefined }

export const PARALLEL_LAYERS = 3;

export async function pullImage(store: ImageStore, text: string, opts: PullOptions = {}): Promise<ImageRecord & { reference: string; digest: string }> {
  const ref = parseReference(text);
  const client = new RegistryClient(ref.domain, { insecure: opts.insecure, credentials: getCredentials(store.root, ref.domain), limits: store.limits });
  const scopes = [`repository:${ref.path}:pull`];
  let { manifest, body, digest } = await fetchManifest(client, ref, ref.digest ?? ref.tag!, scopes);
  if (manifest.kind === 'index') {
    const pick = selectPlatform(manifest);
    ({ manifest, body, digest } = await fetchManifest(client, ref, pick.digest, scopes));
    if (manifest.kind === 'index') throw new TsnetError('EINVAL', `${formatReference(ref)}: an index points to another index`);
  }
  const image = manifest as ImageManifest;
  const configBuf = await fetchSmallBlob(client, ref, image.config, scopes);
  const config = parseConfig(configBuf);
  checkLayerCount(image, config);
  const chain = chainIds(config.diffIds);
  const made: string[] = [];
  const progress = opts.onProgress ?? (() => undefined);
  const layerJob = (i: number) => async (): Promise<LayerRecord> => {
    const desc = image.layers[i]!;
    const id = shortId(desc.digest);
    progress({ id, status: 'Waiting', current: 0, total: desc.size });
    return withLock(store.root, chain[i]!, async () => {
      const have = hasLayer(store, chain[i]!);
      if (have) { progress({ id, status: 'Already exists', current: desc.size, total: desc.size }); return have; }
      const open = async (): Promise<Readable> => {
        const res = await client.request('GET', `/v2/${ref.path}/blobs/${desc.digest}`, { scopes, ok: [200] });
        return countBytes(capped(res, desc.size, `layer ${desc.digest}`), (n) => progress({ id, status: 'Downloading', current: n, total: desc.size }));
      };
      const layer = await ingestLayer(store, open, { digest: desc.digest, size: desc.size, mediaType: desc.mediaType, diffId: config.diffIds[i]! }, chain[i - 1]);
      made.push(layer.chainId);
      progress({ id, status: 'Pull complete', current: desc.size, total: desc.size });
      return layer;
    }, () => progress({ id, status: 'Waiting for another pull', current: 0, total: desc.size }));
  };
  let layers: LayerRecord[];
  try {
    // vfs layers are copies of their parent, so they unpack strictly in order.
    const parallel = store.driver.name === 'vfs' ? 1 : PARALLEL_LAYERS;
    layers = await runLimited(image.layers.map((_, i) => layerJob(i)), parallel);
  } catch (e) {
    store.dropOrphans(made);
    throw e;
  }
  const repo = repositoryName(ref);
  for (const l of layers) store.repo.addBlobSource(l.blobDigest, repo);
  const img = store.addImage({
    config: configBuf, manifest: body, manifestMediaType: image.mediaType, layers,
    created: config.created, tags: ref.tag ? [formatReference({ ...ref, digest: undefined })] : [],
  });
  return { ...img, reference: formatReference(ref), digest };
}

async function fetchManifest(client: RegistryClient, ref: ImageReference, which: string, scopes: string[]): Promise<{ manifest: ReturnType<typeof parseManifest>; body: Buffer; digest: string }> {
  const res = await client.request('GET', `/v2/${ref.path}/manifests/${which}`, { headers: { accept: MANIFEST_ACCEPT }, scopes, ok: [200] });
  const body = await readAll(res, client.limits.maxManifestBytes, `the manifest ${which} of ${formatReference(ref)}`);
  const digest = sha256Digest(body);
  const expected = which.startsWith('sha256:') ? which : undefined;
  if (expected && digest !== expected) throw new TsnetError('EINVAL', `manifest ${expected} from ${client.domain} has digest ${digest}: corrupted in transit`);
  const header = res.headers['docker-content-digest'];
  if (typeof header === 'string' && header.startsWith('sha256:') && parseDigest(header, 'Docker-Content-Digest') !== digest) {
    throw new TsnetError('EINVAL', `manifest of ${formatReference(ref)} has digest ${digest}, but the registry says ${header}`);
  }
  return { manifest: parseManifest(body, res.headers['content-type']), body, digest };
}

/** fetchSmallBlob — a config blob into memory (capped), verified against its descriptor. */
async function fetchSmallBlob(client: RegistryClient, ref: ImageReference, desc: Descriptor, scopes: string[]): Promise<Buffer> {
  const cap = client.limits.maxConfigBytes;
  if (desc.size > cap) throw new TsnetError('EINVAL', `config blob ${desc.digest} of ${formatReference(ref)} declares ${desc.size} bytes, more than the ${sizeText(cap)} tsnet reads; refusing`);
  const res = await client.request('GET', `/v2/${ref.path}/blobs/${desc.digest}`, { scopes, ok: [200] });
  const body = await readAll(res, desc.size, `config blob ${desc.digest}`);
  if (sha256Digest(body) !== desc.digest || body.length !== desc.size) throw new TsnetError('EINVAL', `config blob ${desc.digest} from ${client.domain} does not match its digest: corrupted in transit`);
  return body;
}
