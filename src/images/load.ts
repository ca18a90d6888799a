/**
 * load — `tsnet load [-i FILE]`: docker-archive or OCI-layout tars (from tsnet save,
 * docker save, skopeo) into the store. The archive is first unpacked into a temp dir
 * under the state root — names checked like layer names, symlinks (docker's shared
 * layers) resolved inside it — then every blob is verified and every layer unpacked as
 * a pull would. The temp dir is removed whatever happens.
 */
import * as fs from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { TsnetError, invalid } from '../core/errors.js';
import { entryPath } from '../storage/entry-path.js';
import { removePath } from '../storage/remove-tree.js';
import { tempName } from '../storage/temp-name.js';
import { TarParser } from '../storage/tar-parser.js';
import type { ImageRecord, LayerRecord } from '../state/images.js';
import { recordWithManifest } from './compose.js';
import { chainIds, parseDigest, sha256Digest } from './digest.js';
import { ingestTarFile } from './import.js';
import { hasLayer, ingestLayer } from './ingest-layer.js';
import type { ImageStore } from './image-store.js';
import { tagName } from './image-store.js';
import { withLock } from './lock.js';
import { checkLayerCount, parseConfig, parseManifest, selectPlatform, type ImageManifest } from './manifest.js';

export async function loadArchive(store: ImageStore, input: Readable): Promise<ImageRecord[]> {
  const tmp = join(store.root, 'tmp', tempName('load'));
  fs.mkdirSync(join(store.root, 'tmp'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(tmp, { mode: 0o700 });
  try {
    await unpackArchive(input, tmp);
    if (fs.existsSync(join(tmp, 'oci-layout'))) return await loadOci(store, tmp);
    if (fs.existsSync(join(tmp, 'manifest.json'))) return await loadDocker(store, tmp);
    throw invalid('archive is neither a docker-archive (manifest.json) nor an OCI layout (oci-layout)');
  } finally {
    removePath(tmp);
  }
}

async function unpackArchive(input: Readable, dir: string): Promise<void> {
  const links: [string, string][] = [];
  let fd: number | undefined;
  const parser = new TarParser({
    entry: (h) => {
      const path = entryPath(h.name, 'archive entry');
      if (path === '') return;
      const full = join(dir, path);
      fs.mkdirSync(dirname(full), { recursive: true });
      if (h.type === 'directory') { fs.mkdirSync(full, { recursive: true }); return; }
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'link' ? h.linkname ?? '' : posix.join(posix.dirname(path), h.linkname ?? '');
        links.push([path, entryPath(target, `link target of "${h.name}"`)]);
        return;
      }
      if (h.type === 'file' || h.type === 'contiguous-file') fd = fs.openSync(full, 'wx', 0o600);
    },
    data: (c) => {
      let off = 0;
      while (fd !== undefined && off < c.length) off += fs.writeSync(fd, c, off);
    },
    entryEnd: () => {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  });
  try {
    for await (const chunk of input) parser.push(chunk as Buffer);
    parser.end();
  } catch (e) {
    if (e instanceof TsnetError) throw e;
    throw invalid(`archive is not a readable tar: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  for (const [path, target] of links) {
    try {
      fs.linkSync(join(dir, target), join(dir, path));
    } catch (e) {
      throw invalid(`archive entry "${path}" links to "${target}", which the archive lacks (${(e as NodeJS.ErrnoException).code})`);
    }
  }
}

function readJson<T>(dir: string, name: string): T {
  try {
    return JSON.parse(fs.readFileSync(join(dir, name), 'utf8')) as T;
  } catch (e) {
    throw invalid(`archive's ${name} is missing or not JSON: ${(e as Error).message}`);
  }
}

async function loadDocker(store: ImageStore, dir: string): Promise<ImageRecord[]> {
  const entries = readJson<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(dir, 'manifest.json');
  if (!Array.isArray(entries)) throw invalid("archive's manifest.json is not a list");
  const out: ImageRecord[] = [];
  for (const [i, e] of entries.entries()) {
    if (typeof e.Config !== 'string' || !Array.isArray(e.Layers)) throw invalid(`archive's manifest.json entry ${i} lacks Config or Layers`);
    const configBuf = fs.readFileSync(join(dir, entryPath(e.Config, 'Config')));
    const config = parseConfig(configBuf);
    if (config.diffIds.length !== e.Layers.length) throw invalid(`archive image ${i} lists ${e.Layers.length} layers but its config has ${config.diffIds.length} diff_ids`);
    const layers: LayerRecord[] = [];
    for (const [j, l] of e.Layers.entries()) {
      const chain = chainIds(config.diffIds.slice(0, j + 1));
      const have = hasLayer(store, chain[j]!);
      layers.push(have ?? await ingestTarFile(store, join(dir, entryPath(l, 'layer')), chain[j - 1], config.diffIds[j]));
    }
    out.push(recordWithManifest(store, configBuf, layers, (e.RepoTags ?? []).map((t) => tagName(t, true)!)));
  }
  return out;
}

async function loadOci(store: ImageStore, dir: string): Promise<ImageRecord[]> {
  const blob = (digest: string): string => join(dir, 'blobs', 'sha256', parseDigest(digest).slice(7));
  const verified = (digest: string): Buffer => {
    const b = fs.readFileSync(blob(digest));
    if (sha256Digest(b) !== digest) throw invalid(`archive blob ${digest} does not match its digest: corrupted`);
    return b;
  };
  const index = parseManifest(fs.readFileSync(join(dir, 'index.json')), 'application/vnd.oci.image.index.v1+json');
  if (index.kind !== 'index') throw invalid("archive's index.json is not an index");
  const out: ImageRecord[] = [];
  for (const [i, entry] of index.manifests.entries()) {
    let desc: { digest: string; mediaType: string } = entry;
    let m = parseManifest(verified(desc.digest), desc.mediaType);
    if (m.kind === 'index') { desc = selectPlatform(m); m = parseManifest(verified(desc.digest), desc.mediaType); }
    if (m.kind !== 'manifest') throw invalid(`archive index entry ${i} is not an image`);
    const manifest = m as ImageManifest;
    const configBuf = verified(manifest.config.digest);
    const config = parseConfig(configBuf);
    checkLayerCount(manifest, config);
    const chain = chainIds(config.diffIds);
    const layers: LayerRecord[] = [];
    for (const [j, l] of manifest.layers.entries()) {
      layers.push(await withLock(store.root, chain[j]!, () =>
        ingestLayer(store, () => fs.createReadStream(blob(l.digest)), { digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: config.diffIds[j]! }, chain[j - 1])));
    }
    const raw = JSON.parse(fs.readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
    const ann = raw.manifests[i]?.annotations ?? {};
    const name = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
    const tag = name && /[/:]/.test(name) ? tagName(name) : undefined;
    const body = verified(desc.digest);
    out.push(store.addImage({ config: configBuf, manifest: body, manifestMediaType: manifest.mediaType, layers, created: config.created, tags: tag ? [tag] : [] }));
  }
  return out;
}
