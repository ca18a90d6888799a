/**
 * manifest — parsing of what registries and archives hand us: Docker schema2 and OCI image
 * manifests, manifest lists / OCI indexes (choosing one platform) and image configs.
 * Pure; every malformed document gives a one-line error that names the field.
 * @pure
 */
import { TsnetError, invalid } from '../core/errors.js';
import { parseDigest } from './digest.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** The Accept header for manifest requests: every kind we can read. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

const GZIP_LAYERS: readonly string[] = [MEDIA.dockerLayer, MEDIA.ociLayer];
const LAYER_TYPES: readonly string[] = [...GZIP_LAYERS, MEDIA.ociLayerTar];

export interface Descriptor { mediaType: string; digest: string; size: number }
export interface Platform { os: string; architecture: string; variant?: string | undefined }

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}
export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: (Descriptor & { platform?: Platform })[];
}

export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string | undefined;
  diffIds: string[];
  /** The whole document, kept for inspect and for the runtime (Env, Cmd, ...). */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function parseJson(text: string | Buffer, what: string): Json {
  let v: unknown;
  try { v = JSON.parse(text.toString()); } catch (e) { throw invalid(`${what} is not valid JSON: ${(e as Error).message}`); }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${what} is not a JSON object`);
  return v as Json;
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Json | null;
  if (typeof d !== 'object' || d === null) throw invalid(`${what} is not a descriptor object`);
  if (typeof d['mediaType'] !== 'string') throw invalid(`${what}.mediaType is missing`);
  if (typeof d['digest'] !== 'string') throw invalid(`${what}.digest is missing`);
  if (typeof d['size'] !== 'number' || !Number.isSafeInteger(d['size']) || d['size'] < 0) throw invalid(`${what}.size is not a byte count`);
  return { mediaType: d['mediaType'], digest: parseDigest(d['digest'], `${what}.digest`), size: d['size'] };
}

/** parseManifest — a manifest or index; `contentType` (from HTTP) is used when the body has no mediaType. */
export function parseManifest(body: string | Buffer, contentType?: string): ImageManifest | ImageIndex {
  const m = parseJson(body, 'manifest');
  const mediaType = typeof m['mediaType'] === 'string' ? m['mediaType'] : guessType(m, contentType);
  if (m['schemaVersion'] === 1 || /distribution\.manifest\.v1\+(prettyjws|json)/.test(mediaType)) {
    throw new TsnetError('EUNSUPPORTED', 'manifest is Docker schema 1, which is deprecated and not supported; push the image again with a current tool');
  }
  if (m['schemaVersion'] !== 2) throw invalid(`manifest has schemaVersion ${JSON.stringify(m['schemaVersion'])}, want 2`);
  if (mediaType === MEDIA.dockerList || mediaType === MEDIA.ociIndex) {
    if (!Array.isArray(m['manifests'])) throw invalid('manifest list has no "manifests" array');
    const manifests = m['manifests'].map((e: unknown, i) => {
      const p = (e as Json)['platform'] as Json | undefined;
      const platform = p && typeof p['os'] === 'string' && typeof p['architecture'] === 'string'
        ? { os: p['os'], architecture: p['architecture'], variant: typeof p['variant'] === 'string' ? p['variant'] : undefined }
        : undefined;
      return { ...descriptor(e, `manifests[${i}]`), platform };
    });
    return { kind: 'index', mediaType, manifests };
  }
  if (mediaType !== MEDIA.dockerManifest && mediaType !== MEDIA.ociManifest) throw invalid(`manifest media type "${mediaType}" is not an image manifest`);
  if (!Array.isArray(m['layers'])) throw invalid('manifest has no "layers" array');
  const config = descriptor(m['config'], 'config');
  const layers = m['layers'].map((l: unknown, i) => descriptor(l, `layers[${i}]`));
  for (const [i, l] of layers.entries()) {
    if (!LAYER_TYPES.includes(l.mediaType)) throw new TsnetError('EUNSUPPORTED', `layers[${i}] has media type "${l.mediaType}", which tsnet cannot unpack (gzip or plain tar only)`);
  }
  return { kind: 'manifest', mediaType, config, layers };
}

function guessType(m: Json, contentType?: string): string {
  const ct = contentType?.split(';')[0]?.trim();
  if (ct && ct !== 'application/json') return ct;
  return Array.isArray(m['manifests']) ? MEDIA.ociIndex : MEDIA.ociManifest;
}

/** isGzipLayer — whether a layer media type is gzip-compressed. */
export function isGzipLayer(mediaType: string): boolean {
  return GZIP_LAYERS.includes(mediaType);
}

/** hostPlatform — the platform an index entry must match: linux and Node's architecture. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** selectPlatform — the index entry for `want`; a clear error listing what the index offers. */
export function selectPlatform(index: ImageIndex, want: Platform = hostPlatform()): Descriptor {
  const hit = index.manifests.find((e) => e.platform?.os === want.os && e.platform.architecture === want.architecture
    && (!want.variant || e.platform.variant === want.variant));
  if (hit) return { mediaType: hit.mediaType, digest: hit.digest, size: hit.size };
  const offered = index.manifests.map((e) => (e.platform ? `${e.platform.os}/${e.platform.architecture}` : '?')).join(', ');
  throw new TsnetError('ENOTFOUND', `no image for ${want.os}/${want.architecture} in the manifest list (it has: ${offered || 'nothing'})`);
}

/** parseConfig — the image config; diff_ids must be valid digests. */
export function parseConfig(body: string | Buffer): ImageConfig {
  const c = parseJson(body, 'image config');
  const rootfs = c['rootfs'] as Json | undefined;
  if (!rootfs || rootfs['type'] !== 'layers' || !Array.isArray(rootfs['diff_ids'])) throw invalid('image config has no rootfs.diff_ids list of type "layers"');
  const diffIds = rootfs['diff_ids'].map((d: unknown, i) => {
    if (typeof d !== 'string') throw invalid(`image config rootfs.diff_ids[${i}] is not a string`);
    return parseDigest(d, `image config rootfs.diff_ids[${i}]`);
  });
  if (typeof c['architecture'] !== 'string' || typeof c['os'] !== 'string') throw invalid('image config lacks "architecture" or "os"');
  return { architecture: c['architecture'], os: c['os'], created: typeof c['created'] === 'string' ? c['created'] : undefined, diffIds, raw: c };
}

/** checkLayerCount — a manifest and its config must agree on the number of layers. */
export function checkLayerCount(manifest: ImageManifest, config: ImageConfig): void {
  if (manifest.layers.length !== config.diffIds.length) {
    throw invalid(`manifest lists ${manifest.layers.length} layers but its config has ${config.diffIds.length} diff_ids`);
  }
}
