/**
 * hostile-registry — small HTTP(S) servers on loopback that speak just enough of the
 * registry v2 protocol to serve one image, and misbehave where a test says: a foreign
 * token realm, a foreign upload Location, a blob that never ends, oversized bodies, a
 * redirect from https to http, silence. Every request is recorded (method, path,
 * Authorization) so a test can check what reached which server.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface FakeImage {
  manifest: Buffer; manifestDigest: string;
  config: Buffer; configDigest: string;
  layer: Buffer; layerDigest: string;
  /** The sizes the manifest declares (a test may lie about them). */
  declared: { config: number; layer: number };
}

/** fakeImage — an OCI image of one gzip layer; `declare` overrides the sizes in the manifest. */
export function fakeImage(tar: Buffer, declare: Partial<FakeImage['declared']> = {}, extra: Record<string, unknown> = {}): FakeImage {
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(tar)] } }));
  const declared = { config: declare.config ?? config.length, layer: declare.layer ?? layer.length };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: declared.config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: declared.layer }],
    ...extra,
  }));
  return { manifest, manifestDigest: sha(manifest), config, configDigest: sha(config), layer, layerDigest: sha(layer), declared };
}

export interface Seen { method: string; path: string; auth: string | undefined }

export interface FakeServer {
  /** host:port as a reference's domain ("127.0.0.1:4000", "[::ffff:7f00:1]:4000" for TLS). */
  host: string;
  /** Origin URL ("http://127.0.0.2:4001"). */
  url: string;
  seen: Seen[];
  stop(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/**
 * startServer — a server on `address` calling handler for each request (with its body).
 * `tls` serves https with that key and certificate; sockets are destroyed on stop.
 */
export async function startServer(handler: Handler, opts: { address?: string; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<FakeServer> {
  const seen: Seen[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', auth: req.headers.authorization });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const address = opts.address ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  const host = opts.tls ? `[::ffff:7f00:1]:${port}` : `${address}:${port}`;
  return {
    host, url: `${opts.tls ? 'https' : 'http'}://${host}`, seen,
    stop: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/** serveImage — answers /v2/, the manifest of any tag, and the image's blobs; undefined for other paths. */
export function serveImage(img: FakeImage, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/v2/') { res.writeHead(200).end('{}'); return true; }
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': img.manifestDigest, 'content-length': img.manifest.length });
    res.end(req.method === 'HEAD' ? undefined : img.manifest);
    return true;
  }
  const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
  const data = blob === img.configDigest ? img.config : blob === img.layerDigest ? img.layer : undefined;
  if (data) { res.writeHead(200, { 'content-length': data.length }).end(data); return true; }
  return false;
}

/** selfSignedCert — a key and certificate for IP ::ffff:127.0.0.1 (trust it with NODE_EXTRA_CA_CERTS). */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=tsnet-test', '-days', '1', '-addext', 'subjectAltName=IP:::ffff:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { key, cert };
}
