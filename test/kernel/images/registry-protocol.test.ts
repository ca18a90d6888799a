/**
 * Registry protocol paths against the real docker-registry: htpasswd Basic auth driven by
 * the WWW-Authenticate challenge (login checks and stores credentials 0600, logout forgets
 * them), a multi-platform OCI index pushed by skopeo (tsnet picks linux/amd64), and a
 * chunked upload (PATCH with Content-Range) read back by skopeo, and Bearer tokens from a
 * token service that the registry verifies, with blobs redirected to another origin
 * (which must not see the registry credentials).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/state/db.js';
import { ImageStore } from '../../../src/images/image-store.js';
import { pushImage } from '../../../src/images/push.js';
import { rootSkip } from '../../helpers/netns.js';
import { ok } from '../../helpers/tsnet.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { craftTar } from '../../helpers/tree.js';
import { writeMultiArch } from '../../helpers/oci-layout.js';
import { skopeo, tsnetRoot, tsnetRootAsync } from '../../helpers/image-cli.js';
import { startBlobServer, startTokenServer } from '../../helpers/token-server.js';

describe('registry protocol', { skip: rootSkip }, () => {
  let tmp: string;
  let open: TestRegistry;
  let locked: TestRegistry;
  before(async () => {
    tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-regproto-'));
    open = await startRegistry(join(tmp, 'open'));
    locked = await startRegistry(join(tmp, 'locked'), { basic: { username: 'alice', password: 's3cret' } });
  });
  after(async () => {
    await open?.stop();
    await locked?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('basic auth from the challenge: login, push, pull, logout', async () => {
    const root = join(tmp, 'root-auth');
    fs.writeFileSync(join(tmp, 'f.tar'), await craftTar([{ name: 'hello', body: 'world' }]));
    ok(tsnetRoot(root, ['import', join(tmp, 'f.tar'), `${locked.host}/priv/img:1`]));
    const denied = tsnetRoot(root, ['push', `${locked.host}/priv/img:1`]);
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, new RegExp(`needs a login: run tsnet login ${locked.host}`));
    const wrong = tsnetRoot(root, ['login', locked.host, '-u', 'alice', '--password-stdin'], {}, 'nope\n');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /refused the credentials/);
    assert.ok(!fs.existsSync(join(root, 'auth.json')), 'a failed login stores nothing');
    assert.match(ok(tsnetRoot(root, ['login', locked.host, '-u', 'alice', '--password-stdin'], {}, 's3cret\n')).stdout, /Login Succeeded/);
    assert.equal(fs.statSync(join(root, 'auth.json')).mode & 0o777, 0o600);
    ok(tsnetRoot(root, ['push', `${locked.host}/priv/img:1`]));
    const root2 = join(tmp, 'root-auth2');
    fs.mkdirSync(root2);
    fs.copyFileSync(join(root, 'auth.json'), join(root2, 'auth.json'));
    ok(tsnetRoot(root2, ['pull', `${locked.host}/priv/img:1`]));
    assert.match(ok(tsnetRoot(root, ['logout', locked.host])).stdout, /Removing login credentials/);
    assert.doesNotMatch(fs.readFileSync(join(root, 'auth.json'), 'utf8'), new RegExp(locked.host));
    assert.equal(tsnetRoot(root, ['pull', `${locked.host}/priv/img:1`]).status, 2);
  });

  test('a multi-platform index: tsnet pulls linux/amd64', async () => {
    const layout = join(tmp, 'multi');
    const imgs = writeMultiArch(layout, {
      arm64: await craftTar([{ name: 'arch', body: 'arm64' }]),
      amd64: await craftTar([{ name: 'arch', body: 'amd64' }]),
    }, 'v1');
    skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${open.host}/multi:v1`]);
    const root = join(tmp, 'root-multi');
    const out = ok(tsnetRoot(root, ['pull', `${open.host}/multi:v1`])).stdout;
    assert.match(out, new RegExp(`Digest: ${imgs['amd64']!.manifestDigest}`));
    const rootfs = ok(tsnetRoot(root, ['mount', `${open.host}/multi:v1`, join(tmp, 'm')])).stdout.trim();
    try {
      assert.equal(fs.readFileSync(join(rootfs, 'arch'), 'utf8'), 'amd64');
    } finally {
      ok(tsnetRoot(root, ['umount', join(tmp, 'm')]));
    }
  });

  test('chunked upload of a layer, read back by skopeo and by a second pull', async () => {
    const root = join(tmp, 'root-chunk');
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
    fs.writeFileSync(join(tmp, 'big.tar'), await craftTar([{ name: 'blob', body: body.toString('latin1') }]));
    ok(tsnetRoot(root, ['import', join(tmp, 'big.tar'), `${open.host}/chunked:1`]));
    const db = openDatabase(root);
    try {
      const store = new ImageStore({ root, db });
      const r = await pushImage(store, `${open.host}/chunked:1`, { chunkSize: 64 << 10 });
      assert.equal(r.uploaded, 2);
      const info = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${open.host}/chunked:1`])) as { Digest: string };
      assert.equal(info.Digest, r.digest);
    } finally {
      db.close();
    }
    const root2 = join(tmp, 'root-chunk2');
    ok(tsnetRoot(root2, ['pull', `${open.host}/chunked:1`]));
    const rootfs = ok(tsnetRoot(root2, ['mount', `${open.host}/chunked:1`, join(tmp, 'c')])).stdout.trim();
    try {
      assert.ok(fs.readFileSync(join(rootfs, 'blob')).equals(Buffer.from(body.toString('latin1'))));
    } finally {
      ok(tsnetRoot(root2, ['umount', join(tmp, 'c')]));
    }
  });

  test('bearer token from the challenge; blobs behind a cross-origin redirect get no Authorization', async () => {
    const dir = join(tmp, 'tok');
    const blobs = await startBlobServer(join(dir, 'data'));
    const tokens = await startTokenServer(join(tmp, 'token'), { username: 'bob', password: 'pw' });
    const reg = await startRegistry(dir, { token: tokens, redirectBase: blobs.base });
    try {
      const root = join(tmp, 'root-token');
      fs.writeFileSync(join(tmp, 't.tar'), await craftTar([{ name: 'tok', body: 'en' }]));
      // The token and blob servers live in this process: the CLI must run asynchronously.
      ok(tsnetRoot(root, ['import', join(tmp, 't.tar'), `${reg.host}/team/app:1`]));
      const denied = await tsnetRootAsync(root, ['push', `${reg.host}/team/app:1`]);
      assert.equal(denied.status, 2);
      assert.match(denied.stderr, /token server .* refused \(401\); run tsnet login/);
      ok(await tsnetRootAsync(root, ['login', reg.host, '-u', 'bob', '-p', 'pw']));
      ok(await tsnetRootAsync(root, ['push', `${reg.host}/team/app:1`]));
      assert.ok(tokens.seen.some((a) => a === `Basic ${Buffer.from('bob:pw').toString('base64')}`));
      const root2 = join(tmp, 'root-token2');
      fs.mkdirSync(root2);
      fs.copyFileSync(join(root, 'auth.json'), join(root2, 'auth.json'));
      ok(await tsnetRootAsync(root2, ['pull', `${reg.host}/team/app:1`]));
      assert.ok(blobs.seen.length >= 1, 'blob GETs were redirected to the blob server');
      assert.deepEqual(blobs.seen.filter((a) => a !== undefined), [], 'no credentials leak to the redirect target');
    } finally {
      await reg.stop();
      await tokens.stop();
      await blobs.stop();
    }
  });
});
