/**
 * registry-client — the registry v2 HTTP protocol: plain HTTP only for loopback
 * registries or --insecure, the auth dance (a 401 with a WWW-Authenticate Bearer
 * challenge → token from the realm, with Basic credentials if logged in and the realm may
 * have them; or Basic directly), and redirects. Credentials and tokens go only where
 * credential-scope.ts allows; every exchange is bounded as http-transport.ts says.
 */
import type { Readable } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import { parseChallenge } from './auth-challenge.js';
import { checkScheme, realmGets, sameOrigin } from './credential-scope.js';
import { readAll, send, type Response } from './http-transport.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { isLoopbackRegistry } from './reference.js';

export type { Response } from './http-transport.js';

export interface Credentials { username: string; password: string }

export interface RegistryOptions {
  insecure?: boolean | undefined;
  credentials?: Credentials | undefined;
  limits?: Limits | undefined;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Repository scopes for a bearer token, e.g. ["repository:a/b:pull"]. */
  scopes: string[];
  /** Statuses that are not errors; others throw with the registry's error message. */
  ok: number[];
}

const MAX_REDIRECTS = 5;

export class RegistryClient {
  readonly base: URL;
  readonly limits: Limits;
  private readonly tokens = new Map<string, string>();
  private basic = false;

  constructor(readonly domain: string, private readonly opts: RegistryOptions = {}) {
    const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
    const plain = opts.insecure || isLoopbackRegistry(domain);
    this.base = new URL(`${plain ? 'http' : 'https'}://${host}`);
    this.limits = opts.limits ?? DEFAULT_LIMITS;
  }

  /**
   * request — one API call (a path, or an absolute URL such as an upload Location),
   * authenticating once on 401 and following redirects. A URL on another origin is sent
   * without Authorization and never authenticated to.
   */
  async request(method: string, path: string, o: RequestOptions): Promise<Response> {
    const url = new URL(path, this.base);
    checkScheme(this.base, url, `${this.domain} sent the URL`);
    const own = sameOrigin(this.base, url);
    let res = await this.send(method, url, o, own ? this.authHeader(o.scopes) : undefined);
    if (res.status === 401 && own) {
      const challenge = res.headers['www-authenticate'];
      res.body.resume();
      if (!challenge) throw new TsnetError('EPEER', `${this.domain} refused ${method} ${url.pathname} (401) without saying how to authenticate`);
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

  /** location — resolves a Location header (upload URLs) against the response's URL. */
  location(res: Response): string {
    const loc = res.headers.location;
    if (!loc) throw new TsnetError('EPEER', `${this.domain} gave no Location for ${res.url.pathname}`);
    const u = new URL(loc, res.url);
    return sameOrigin(this.base, u) ? `${u.pathname}${u.search}` : u.toString();
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
    let realm: URL;
    try { realm = new URL(c.params['realm']!); } catch { throw new TsnetError('EINVAL', `${this.domain} names a token realm that is not a URL: "${c.params['realm']}"`); }
    const gets = realmGets(this.base, realm);
    if (c.params['service']) realm.searchParams.set('service', c.params['service']);
    for (const s of scopes) realm.searchParams.append('scope', s);
    const creds = this.opts.credentials;
    const auth = creds && gets === 'credentials' ? basicAuth(creds) : undefined;
    // The realm is another server: redirects from it are followed without credentials.
    const res = await this.send('GET', realm, { scopes, ok: [200] }, auth, false);
    const withheld = creds && gets === 'anonymous' ? `; tsnet did not send your credentials to ${realm.origin}, a plain-HTTP realm on another host` : '';
    if (res.status !== 200) {
      res.body.resume();
      throw new TsnetError('EINVAL', `token server ${realm.origin} refused (${res.status})${withheld}${creds ? '' : `; run tsnet login ${this.domain}`}`);
    }
    const body = await readAll(res, this.limits.maxTokenBytes, `the token answer of ${realm.origin}`);
    let token: unknown;
    try {
      const j = JSON.parse(body.toString()) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch { /* reported below */ }
    if (typeof token !== 'string' || !token) throw new TsnetError('EPEER', `token server ${realm.origin} sent no token`);
    this.tokens.set(scopes.join(' '), token);
  }

  /** send — follows redirects; Authorization stays only while the origin does not change. */
  private async send(method: string, url: URL, o: RequestOptions, auth: string | undefined, toRegistry = true): Promise<Response> {
    let current = url;
    let authorization = auth;
    for (let i = 0; i <= MAX_REDIRECTS; i++) {
      const res = await send(method, current, { headers: o.headers, body: o.body, limits: this.limits }, authorization);
      if (![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location) return res;
      res.body.resume();
      const next = new URL(res.headers.location, current);
      checkScheme(current, next, `${toRegistry ? this.domain : current.host} redirected ${current.pathname} to`);
      if (next.origin !== current.origin) authorization = undefined;
      current = next;
    }
    throw new TsnetError('EPEER', `${this.domain}: more than ${MAX_REDIRECTS} redirects for ${url.pathname}`);
  }
}

function basicAuth(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** registryError — the registry's own error text ({"errors":[{"code","message"}]}) in one line. */
async function registryError(method: string, url: URL, res: Response): Promise<TsnetError> {
  let text = '';
  try {
    const body = await readAll(res, 65536, 'an error body');
    const j = JSON.parse(body.toString()) as { errors?: { code?: string; message?: string }[] };
    text = (j.errors ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch { /* not JSON, or too long */ }
  const code = res.status === 404 ? 'ENOTFOUND' : res.status === 401 || res.status === 403 ? 'EINVAL' : 'EPEER';
  return new TsnetError(code, `${url.host} ${method} ${url.pathname}: ${res.status}${text ? ` ${text}` : ''}`);
}
