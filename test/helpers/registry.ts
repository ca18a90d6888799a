/**
 * registry — Debian's docker-registry (distribution) as a real peer: started on 127.0.0.1
 * at a free port with a throwaway storage dir and config under the test's temp dir,
 * optionally behind htpasswd (bcrypt) basic auth; stop() kills exactly that process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';

export interface TestRegistry { host: string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function ping(host: string): Promise<number> {
  return new Promise((resolve) => {
    const r = request(`http://${host}/v2/`, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    r.on('error', () => resolve(0));
    r.end();
  });
}

/** bcrypt — via Python's crypt module (glibc's $2b$), since distribution's htpasswd wants bcrypt. */
function bcrypt(password: string): string {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))', password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bcrypt: ${r.stderr}`);
  return r.stdout.trim();
}

export interface RegistryOptions {
  /** htpasswd Basic auth for this user. */
  basic?: { username: string; password: string };
  /** Bearer tokens from this token service (see token-server.ts). */
  token?: { realm: string; service: string; issuer: string; certPath: string };
  /** Blob GETs are answered with a redirect to baseurl + storage path. */
  redirectBase?: string;
}

export async function startRegistry(dir: string, opts: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = opts.basic;
  fs.mkdirSync(join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let authYaml = '';
  if (auth) {
    fs.writeFileSync(join(dir, 'htpasswd'), `${auth.username}:${bcrypt(auth.password)}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: tsnet-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (opts.token) {
    const t = opts.token;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  if (opts.redirectBase) {
    authYaml += `middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: ${opts.redirectBase}\n`;
  }
  const config = join(dir, 'config.yml');
  fs.writeFileSync(config, `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
${authYaml}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const deadline = Date.now() + 10000;
  for (;;) {
    const status = await ping(host);
    if (status === 200 || status === 401) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
