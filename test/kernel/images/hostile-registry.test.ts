/**
 * tsnet pull/push against hostile registries: small servers in this process, on loopback
 * (test/helpers/hostile-registry.ts). One test per attack: credentials sent to a foreign
 * token realm or upload Location, a blob that never ends, oversized manifests, configs and
 * token answers, a gzip bomb, a silent socket, a connection that never completes, an
 * https registry redirecting to http; and a pull killed mid-blob, whose temp files the
 * next command sweeps. A failed pull leaves no blob, layer, row or temp file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCredentials } from '../../../src/images/credentials.js';
import { rootSkip } from '../../helpers/netns.js';
import { ok, TSNET_BIN } from '../../helpers/tsnet.js';
import { craftTar } from '../../helpers/tree.js';
import { tsnetRootAsync } from '../../helpers/image-cli.js';
import { fakeImage, selfSignedCert, serveImage, startServer, type FakeImage, type FakeServer } from '../../helpers/hostile-registry.js';
import { waitFor } from '../../helpers/keeper.js';

const ALICE = { username: 'alice', password: 's3cret' };
const BASIC = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

describe('hostile registries', { skip: rootSkip }, () => {
  let tmp: string;
  let img: FakeImage;
  const servers: FakeServer[] = [];
  let n = 0;
  /** freshRoot — a state root, optionally with config.json settings and the login for `host`. */
  const freshRoot = (config: Record<string, string> = {}, loginTo?: string): string => {
    const root = join(tmp, `root${n++}`);
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(join(root, 'config.json'), JSON.stringify(config));
    if (loginTo) saveCredentials(root, loginTo, ALICE);
    return root;
  };
  /** leavesNothing — a failed pull left no blob, layer, row or temp file. */
  const leavesNothing = async (root: string): Promise<void> => {
    const list = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d) : []);
    for (const d of ['blobs/sha256', 'blobs/tmp', 'storage/overlay/layers', 'storage/overlay/tmp', 'trash']) assert.deepEqual(list(join(root, d)), [], d);
    assert.deepEqual(JSON.parse(ok(await tsnetRootAsync(root, ['images', '--json'])).stdout), []);
  };
  const serve = async (...a: Parameters<typeof startServer>): Promise<FakeServer> => { const s = await startServer(...a); servers.push(s); return s; };
  before(async () => {
    tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-hostile-'));
    img = fakeImage(await craftTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/hello', body: 'hi' }]));
  });
  after(async () => {
    for (const s of servers) await s.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a token realm on another host over plain http gets no credentials; one on the same host does', async () => {
    for (const realmHost of ['127.0.0.2', '127.0.0.1']) {
      const tokens = await serve((_req, res) => res.writeHead(200).end('{"token":"t0k"}'), { address: realmHost });
      const reg = await serve((req, res) => {
        if (req.headers.authorization !== 'Bearer t0k') {
          res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/token",service="fake"` }).end();
          return;
        }
        if (!serveImage(img, req, res)) res.writeHead(404).end();
      });
      const root = freshRoot({}, reg.host);
      ok(await tsnetRootAsync(root, ['pull', '-q', `${reg.host}/app:1`]));
      const sent = tokens.seen.map((s) => s.auth);
      if (realmHost === '127.0.0.2') assert.deepEqual(sent.filter(Boolean), [], 'no credentials to the foreign realm');
      else assert.ok(sent.includes(BASIC), 'the realm on the registry\'s own host gets them');
    }
  });

  test('an upload Location on another origin gets no Authorization; the registry does', async () => {
    const foreign = await serve((req, res) => res.writeHead(req.method === 'PUT' ? 201 : 202).end(), { address: '127.0.0.2' });
    const reg = await serve((req, res) => {
      if (req.headers.authorization !== BASIC) { res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end(); return; }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'HEAD') res.writeHead(404).end();
      else if (req.method === 'POST') res.writeHead(202, { location: `${foreign.url}/upload/1?state=x` }).end();
      else if (req.method === 'PUT' && path.includes('/manifests/')) res.writeHead(201).end();
      else res.writeHead(404).end();
    });
    const root = freshRoot({}, reg.host);
    fs.writeFileSync(join(tmp, 'p.tar'), await craftTar([{ name: 'p', body: 'push me' }]));
    ok(await tsnetRootAsync(root, ['import', join(tmp, 'p.tar'), `${reg.host}/app:1`]));
    ok(await tsnetRootAsync(root, ['push', `${reg.host}/app:1`]));
    assert.ok(foreign.seen.length >= 2, 'the blobs went to the Location');
    assert.deepEqual(foreign.seen.map((s) => s.auth).filter(Boolean), [], 'no Authorization to the foreign origin');
    assert.ok(reg.seen.some((s) => s.auth === BASIC));
  });

  test('a blob that never ends is cut off at its declared size, and the pull leaves nothing', async () => {
    const liar = fakeImage(await craftTar([{ name: 'x', body: 'x' }]), { layer: 1000 });
    let sent = 0;
    const reg = await serve((req, res) => {
      if (!req.url?.endsWith(liar.layerDigest)) { if (!serveImage(liar, req, res)) res.writeHead(404).end(); return; }
      res.writeHead(200);
      const chunk = Buffer.alloc(65536, 7);
      const pump = (): void => { while (!res.destroyed && res.write(chunk)) sent += chunk.length; if (!res.destroyed) res.once('drain', pump); };
      pump();
    });
    const root = freshRoot();
    const t0 = Date.now();
    const r = await tsnetRootAsync(root, ['pull', `${reg.host}/app:1`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /layer sha256:[0-9a-f]{64} from 127\.0\.0\.1:\d+ is larger than its declared 1000 bytes; aborted/);
    assert.ok(Date.now() - t0 < 10_000 && sent < 64 << 20, `stopped early (${sent} bytes sent)`);
    await leavesNothing(root);
  });

  test('oversized manifests, configs and token answers are refused with the cap named', async () => {
    const huge = fakeImage(await craftTar([{ name: 'x', body: 'x' }]), {}, { annotations: { pad: 'x'.repeat(5 << 20) } });
    const bigConfig = fakeImage(await craftTar([{ name: 'x', body: 'x' }]), { config: 9 << 20 });
    const tokens = await serve((_req, res) => { res.writeHead(200); res.end(`{"token":"${'y'.repeat(2 << 20)}"}`); });
    const reg = await serve((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/v2/tok/')) { res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.url}/t"` }).end(); return; }
      const which = path.startsWith('/v2/huge/') ? huge : bigConfig;
      // The manifest goes out chunked (no Content-Length): the cap holds while streaming.
      if (path.includes('/manifests/')) { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.write(which.manifest.subarray(0, 10)); res.end(which.manifest.subarray(10)); return; }
      if (!serveImage(which, req, res)) res.writeHead(404).end();
    });
    const cases: [string, RegExp][] = [
      ['huge', /the manifest 1 of 127\.0\.0\.1:\d+\/huge:1 from 127\.0\.0\.1:\d+ is larger than 4 MiB; refusing/],
      ['bigconfig', /config blob sha256:[0-9a-f]{64} of .* declares 9437184 bytes, more than the 8 MiB tsnet reads; refusing/],
      ['tok', /the token answer of http:\/\/127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+ is larger than 1 MiB; refusing/],
    ];
    for (const [repo, message] of cases) {
      const root = freshRoot();
      const r = await tsnetRootAsync(root, ['pull', `${reg.host}/${repo}:1`]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      await leavesNothing(root);
    }
  });

  test('a gzip bomb stops at max-layer-size, and the error names the setting', async () => {
    const bomb = fakeImage(await craftTar([{ name: 'zeros', body: '\0'.repeat(4 << 20) }]));
    assert.ok(bomb.layer.length < 20_000);
    const reg = await serve((req, res) => { if (!serveImage(bomb, req, res)) res.writeHead(404).end(); });
    const root = freshRoot({ 'max-layer-size': '1MiB' });
    const r = await tsnetRootAsync(root, ['pull', `${reg.host}/bomb:1`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`unpacks to more than 1 MiB, the max-layer-size of ${join(root, 'config.json')}; refusing`));
    await leavesNothing(root);
    ok(await tsnetRootAsync(freshRoot(), ['pull', '-q', `${reg.host}/bomb:1`]));
  });

  test('a registry that accepts and never answers, and a connection that never completes, time out', async () => {
    const silent = await serve(() => undefined);
    const root = freshRoot({ 'registry-idle-timeout': '1s' });
    let t0 = Date.now();
    let r = await tsnetRootAsync(root, ['pull', `${silent.host}/app:1`]);
    assert.equal(r.status, 8, r.stderr);
    assert.match(r.stderr, /registry 127\.0\.0\.1:\d+ sent nothing for 1s during GET \/v2\/app\/manifests\/1 \(registry-idle-timeout\)/);
    assert.ok(Date.now() - t0 < 8000);
    // A listener whose accept queue is full: the kernel drops further SYNs, connect hangs.
    const py = spawn('python3', ['-c', 'import socket,time,sys\ns=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)\nprint(s.getsockname()[1], flush=True); time.sleep(60)']);
    try {
      const port = await new Promise<number>((resolve) => py.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
      const fillers: Socket[] = [];
      for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined));
      await new Promise((resolve) => setTimeout(resolve, 300));
      t0 = Date.now();
      r = await tsnetRootAsync(freshRoot({ 'registry-connect-timeout': '1s' }), ['pull', `127.0.0.1:${port}/app:1`]);
      for (const f of fillers) f.destroy();
      assert.equal(r.status, 8, r.stderr);
      assert.match(r.stderr, /cannot connect to registry 127\.0\.0\.1:\d+ within 1s \(registry-connect-timeout\)/);
      assert.ok(Date.now() - t0 < 8000);
    } finally {
      py.kill();
    }
  });

  test('an https registry: redirects and token realms never step down to plain http', async () => {
    const { key, cert } = selfSignedCert(tmp);
    const plain = await serve((req, res) => { if (!serveImage(img, req, res)) res.writeHead(404).end(); });
    const env = { NODE_EXTRA_CA_CERTS: cert };
    const reg = await serve((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/v2/tok/')) { res.writeHead(401, { 'www-authenticate': `Bearer realm="${plain.url}/token"` }).end(); return; }
      if (path.includes('/blobs/')) { res.writeHead(307, { location: `${plain.url}${path}` }).end(); return; }
      if (!serveImage(img, req, res)) res.writeHead(404).end();
    }, { tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } });
    const root = freshRoot({}, reg.host);
    let r = await tsnetRootAsync(root, ['pull', `${reg.host}/app:1`], env);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /redirected \/v2\/app\/blobs\/sha256:[0-9a-f]{64} to http:\/\/127\.0\.0\.1:\d+\/.* would go from https to plain http; refusing/);
    r = await tsnetRootAsync(root, ['pull', `${reg.host}/tok:1`], env);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /token realm http:\/\/127\.0\.0\.1:\d+\/token would go from https to plain http; refusing/);
    assert.deepEqual(plain.seen, [], 'nothing reached the plain-http server');
  });

  test('a pull killed mid-blob leaves temp files that the next command sweeps', async () => {
    const slow = fakeImage(await craftTar([{ name: 'big', body: 'z'.repeat(2 << 20) }]), {});
    const reg = await serve((req, res) => {
      if (!req.url?.endsWith(slow.layerDigest)) { if (!serveImage(slow, req, res)) res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-length': slow.layer.length });
      res.write(slow.layer.subarray(0, slow.layer.length >> 1)); // and then nothing
    });
    const root = freshRoot();
    const child = spawn(TSNET_BIN, ['pull', '--root', root, `${reg.host}/slow:1`], { stdio: 'ignore' });
    const tmpFiles = (): string[] => ['blobs/tmp', 'storage/overlay/tmp'].flatMap((d) => (fs.existsSync(join(root, d)) ? fs.readdirSync(join(root, d)) : []));
    await waitFor(() => tmpFiles().length === 2, 10_000, 'the pull to be half way');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(tmpFiles().length, 2, 'killed: its temp blob and layer dir are left');
    ok(await tsnetRootAsync(root, ['images']));
    assert.deepEqual(tmpFiles(), [], 'swept by the next command');
  });
});
