/**
 * token-server — a registry token service for docker-registry's `auth: token` mode, so
 * that tsnet's Bearer flow meets a real registry that verifies real signed tokens. An RSA
 * key and self-signed certificate come from openssl; tokens are RS256 JWTs carrying the
 * certificate in x5c, granting whatever scope was asked to user/password (or to anyone
 * when no user is set). Each request's Authorization is recorded for the test to check.
 */
import { spawnSync } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenServer {
  realm: string; service: string; issuer: string; certPath: string;
  /** Authorization headers seen, in order. */
  seen: (string | undefined)[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export async function startTokenServer(dir: string, user?: { username: string; password: string }): Promise<TokenServer> {
  fs.mkdirSync(dir, { recursive: true });
  const key = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certPath, '-subj', '/CN=tsnet-test-token', '-days', '1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  const der = Buffer.from(fs.readFileSync(certPath, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const service = 'tsnet-test-registry';
  const issuer = 'tsnet-test-issuer';
  const seen: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://x');
    if (user) {
      const want = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) { res.writeHead(401).end('{}'); return; }
    }
    const access = url.searchParams.getAll('scope').map((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      return { type, name, actions: actions.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user?.username ?? '', aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(fs.readFileSync(key));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${b64url(sig)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`, service, issuer, certPath, seen,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** startBlobServer — serves files under `root` at their path (the registry's redirect target),
 * recording each request's Authorization header. */
export async function startBlobServer(root: string): Promise<{ base: string; seen: (string | undefined)[]; stop(): Promise<void> }> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(root) || !fs.existsSync(path)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': fs.statSync(path).size });
    fs.createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { base: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, seen, stop: () => new Promise((r) => server.close(() => r())) };
}
