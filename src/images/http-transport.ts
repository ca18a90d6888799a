/**
 * http-transport — one HTTP exchange with a registry, bounded in time and size: a connect
 * timeout, an idle timeout (no byte in either direction for that long, before or during
 * the body), bodies read into memory only up to a cap (a Content-Length over the cap is
 * refused before reading), and streamed blobs cut off the moment they pass their declared
 * size. A peer that breaks a bound gets its socket destroyed; the caller gets one line.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { TsnetError, invalid } from '../core/errors.js';
import { debug } from '../core/log.js';
import { sizeText, type Limits } from './limits.js';
import { constants as osConstants } from 'node:os';
import { errnoText } from '../core/errno.js';

export interface Response { status: number; headers: http.IncomingHttpHeaders; body: Readable; url: URL }

export interface SendOptions {
  headers?: Record<string, string> | undefined;
  body?: Buffer | (() => Readable) | undefined;
  limits: Pick<Limits, 'connectTimeoutMs' | 'idleTimeoutMs'>;
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };

/** send — the request; resolves with the response head, its body still to be read. */
export function send(method: string, url: URL, o: SendOptions, auth: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'tsnet/0.1', ...(o.headers ?? {}) };
  if (auth) headers['authorization'] = auth;
  const body = o.body;
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  debug(`http ${method} ${url.toString()}`);
  const secure = url.protocol === 'https:';
  const { connectTimeoutMs, idleTimeoutMs } = o.limits;
  return new Promise((resolve, reject) => {
    let response: http.IncomingMessage | undefined;
    const fail = (e: TsnetError): void => {
      // Before the head, the promise rejects; after it, the body stream carries the error.
      if (response) response.destroy(e);
      else req.destroy(e);
    };
    const req = (secure ? https : http).request(url, { method, headers, agent: secure ? agents.https : agents.http, timeout: idleTimeoutMs }, (res) => {
      response = res;
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
    });
    req.on('timeout', () => fail(new TsnetError('ETIMEOUT', `registry ${url.host} sent nothing for ${idleTimeoutMs / 1000}s during ${method} ${url.pathname} (registry-idle-timeout)`)));
    req.on('socket', (sock) => {
      if (!sock.connecting) return; // a kept-alive connection
      const timer = setTimeout(() => fail(new TsnetError('ETIMEOUT', `cannot connect to registry ${url.host} within ${connectTimeoutMs / 1000}s (registry-connect-timeout)`)), connectTimeoutMs);
      sock.once('connect', () => clearTimeout(timer));
      sock.once('close', () => clearTimeout(timer));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TsnetError) { reject(e); return; }
      reject(new TsnetError('EPEER', `cannot reach registry ${url.host}: ${e.code ? errnoName(e.code) : e.message}${e.code === 'EPROTO' || /wrong version/.test(e.message) ? ' (a plain-HTTP registry? use --insecure)' : ''}`));
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const s = body();
      s.on('error', (e) => req.destroy(e));
      s.pipe(req);
    }
  });
}

/** declaredLength — the Content-Length header, if there is a sane one. */
function declaredLength(res: Response): number | undefined {
  const v = res.headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** readAll — the whole body, at most `limit` bytes (else EINVAL naming `what` and the cap). */
export async function readAll(res: Response, limit: number, what: string): Promise<Buffer> {
  const tooBig = (): TsnetError => invalid(`${what} from ${res.url.host} is larger than ${sizeText(limit)}; refusing`);
  const length = declaredLength(res);
  if (length !== undefined && length > limit) { res.body.destroy(); throw tooBig(); }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) { res.body.destroy(); throw tooBig(); }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * capped — the body as a stream that fails the moment it passes `size` bytes, the size the
 * manifest declared (a digest check at the end would come only after the disk filled up).
 */
export function capped(res: Response, size: number, what: string): Readable {
  const tooBig = (): TsnetError => invalid(`${what} from ${res.url.host} is larger than its declared ${size} bytes; aborted`);
  const length = declaredLength(res);
  if (length !== undefined && length > size) { res.body.destroy(); throw tooBig(); }
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
      n += chunk.length;
      if (n > size) { res.body.destroy(); cb(tooBig()); return; }
      cb(null, chunk);
    },
  });
  res.body.on('error', (e) => t.destroy(e));
  return res.body.pipe(t);
}

/** errnoName — "ECONNREFUSED: connection refused" for Node's error code, when its number is known. */
function errnoName(code: string): string {
  const n = (osConstants.errno as Record<string, number | undefined>)[code];
  return n === undefined ? code : errnoText(n);
}
