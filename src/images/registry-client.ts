/**
 * registry-client — the registry v2 HTTP protocol over node's http/https: plain HTTP only
 * for loopback registries or --insecure, the auth dance (a 401 with a WWW-Authenticate
 * Bearer challenge → token from the realm, with Basic credentials if logged in; or Basic
 * directly), and redirects for blobs (Authorization is dropped when the host changes, as
 * S3-style blob stores require).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { parseChallenge } from './auth-challenge.js';
import { isLoopbackRegistry } from './reference.js';

export interface Credentials { username: string; password: string }

export interface RegistryOptions {
  insecure?: boolean | undefined;
  credentials?: Credentials | undefined;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Repository scopes for a bearer token, e.g. ["repository:a/b:pull"]. */
  scopes: string[];
  /** Statuses that are not errors; others throw with the registry's error message. */
  ok: number[];
}

export interface Response { status: number; headers: http.IncomingHttpHeaders; body: Readable; url: URL }

const MAX_REDIRECTS = 5;
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 8 }), https: new https.Agent({ keepAlive: true, maxSockets: 8 }) };

export class RegistryClient {
  readonly base: URL;
  private readonly tokens = new Map<string, string>();
  private basic = false;

  constructor(readonly domain: string, private readonly opts: RegistryOptions = {}) {
    const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
    const plain = opts.insecure || isLoopbackRegistry(domain);
    this.base = new URL(`${plain ? 'http' : 'https'}://${host}`);
  }

  /** request — one API call, authenticating once on 401 and following redirects. */
  async request(method: string, path: string, o: RequestOptions): Promise<Response> {
    const url = new URL(path, this.base);
    let res = await this.send(method, url, o, this.authHeader(o.scopes));
    if (res.status === 401) {
      const challenge = res.headers['www-authenticate'];
      res.body.resume();
      if (!challenge) throw new TsnetError('EKERNEL', `${this.domain} refused ${method} ${url.pathname} (401) without saying how to authenticate`);
      await this.authenticate(challenge, o.scopes);
      res = await this.send(method, url, o, this.authHeader(o.scopes));
      if (res.status === 401) {
        res.body.resume();
        throw new TsnetError('EINVAL', `${this.domain} refused the credentials for ${o.scopes.join(' ') || url.pathname}${this.opts.credentials ? '' : '; run tsnet login ' + this.domain}`);
      }
    }
    if (!o.ok.includes(res.status)) throw await registryError(method, url, res);
    return res;
  }

  /** location — resolves a Location header (upload URLs) against the registry. */
  location(res: Response): string {
    const loc = res.headers.location;
    if (!loc) throw new TsnetError('EKERNEL', `${this.domain} gave no Location for ${res.url.pathname}`);
    const u = new URL(loc, res.url);
    return u.origin === this.base.origin ? `${u.pathname}${u.search}` : u.toString();
  }

  private authHeader(scopes: string[]): string | undefined {
    const token = this.tokens.get(scopes.join(' '));
    if (token) return `Bearer ${token}`;
    if (this.basic && this.opts.credentials) return basicAuth(this.opts.credentials);
    return undefined;
  }

  private async authenticate(header: string, scopes: string[]): Promise<void> {
    const c = parseChallenge(header);
    if (c.scheme === 'basic') {
      if (!this.opts.credentials) throw new TsnetError('EINVAL', `${this.domain} needs a login: run tsnet login ${this.domain}`);
      this.basic = true;
      return;
    }
    const realm = new URL(c.params['realm']!);
    if (c.params['service']) realm.searchParams.set('service', c.params['service']);
    for (const s of scopes) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.opts.credentials) headers['authorization'] = basicAuth(this.opts.credentials);
    const res = await send('GET', realm, { headers, scopes, ok: [200] }, undefined);
    const body = await readAll(res.body);
    if (res.status !== 200) throw new TsnetError('EINVAL', `token server ${realm.origin} refused (${res.status})${this.opts.credentials ? '' : `; run tsnet login ${this.domain}`}`);
    let token: unknown;
    try {
      const j = JSON.parse(body.toString()) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch { /* reported below */ }
    if (typeof token !== 'string' || !token) throw new TsnetError('EKERNEL', `token server ${realm.origin} sent no token`);
    this.tokens.set(scopes.join(' '), token);
  }

  private async send(method: string, url: URL, o: RequestOptions, auth: string | undefined): Promise<Response> {
    let current = url;
    let authorization = auth;
    for (let i = 0; i <= MAX_REDIRECTS; i++) {
      const res = await send(method, current, o, authorization);
      if (![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location) return res;
      res.body.resume();
      const next = new URL(res.headers.location, current);
      if (next.protocol === 'http:' && current.protocol === 'https:') throw new TsnetError('EKERNEL', `${this.domain} redirected ${current.pathname} from https to plain http; refusing`);
      // Credentials are for the registry only, never for wherever it redirects blobs.
      if (next.origin !== current.origin) authorization = undefined;
      current = next;
    }
    throw new TsnetError('EKERNEL', `${this.domain}: more than ${MAX_REDIRECTS} redirects for ${url.pathname}`);
  }
}

function basicAuth(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function send(method: string, url: URL, o: RequestOptions, auth: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'tsnet/0.1', ...(o.headers ?? {}) };
  if (auth) headers['authorization'] = auth;
  const body = o.body;
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  debug(`http ${method} ${url.toString()}`);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(new TsnetError('EKERNEL', `cannot reach registry ${url.host}: ${e.code ?? e.message}${e.code === 'EPROTO' || /wrong version/.test(e.message) ? ' (a plain-HTTP registry? use --insecure)' : ''}`)));
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const s = body();
      s.on('error', (e) => req.destroy(e));
      s.pipe(req);
    }
  });
}

export async function readAll(s: Readable, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    if (n > limit) throw new TsnetError('EINVAL', `response larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** registryError — the registry's own error text ({"errors":[{"code","message"}]}) in one line. */
async function registryError(method: string, url: URL, res: Response): Promise<TsnetError> {
  let text = '';
  try {
    const body = await readAll(res.body, 65536);
    const j = JSON.parse(body.toString()) as { errors?: { code?: string; message?: string }[] };
    text = (j.errors ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch { /* not JSON */ }
  const code = res.status === 404 ? 'ENOTFOUND' : res.status === 401 || res.status === 403 ? 'EINVAL' : 'EKERNEL';
  return new TsnetError(code, `${url.host} ${method} ${url.pathname}: ${res.status}${text ? ` ${text}` : ''}`);
}
