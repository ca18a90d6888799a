/**
 * Images against real peers: Debian's docker-registry on loopback and skopeo. skopeo
 * pushes a two-layer image (one of everything, then a layer deleting and replacing its
 * parent's files) and tsnet pulls it: `tsnet images` lists it, the overlay rootfs matches
 * the source file by file, the deleted file is hidden. tsnet pushes and skopeo reads back.
 * Concurrent pulls share the work; a corrupted blob in the registry leaves no trace;
 * rmi frees exactly the unshared layers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootSkip } from '../helpers/netns.js';
import { assertKind } from '../helpers/json-kind.js';
import { spawnSync } from 'node:child_process';
import { TSNET_BIN, ok } from '../helpers/tsnet.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { craftTar, gnuTar, listTree, makeSourceTree } from '../helpers/tree.js';
import { writeOciLayout, type LayoutImage } from '../helpers/oci-layout.js';
import { skopeo, tsnetRoot, tsnetRootAsync } from '../helpers/image-cli.js';
import { busyboxTar } from '../helpers/busybox.js';

describe('images with docker-registry and skopeo', { skip: rootSkip }, () => {
  let tmp: string;
  let reg: TestRegistry;
  let src: string;
  let multi: LayoutImage;
  const root = (): string => join(tmp, 'root');
  const t = (args: string[]): string => ok(tsnetRoot(root(), args)).stdout;

  before(async () => {
    tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-img-e2e-'));
    reg = await startRegistry(join(tmp, 'registry'));
    src = join(tmp, 'src');
    fs.mkdirSync(src);
    makeSourceTree(src);
    gnuTar(src, join(tmp, 'l1.tar'));
    const l2 = await craftTar([
      { name: 'etc/.wh.config' },
      { name: 'usr/lib/deep/', type: 'directory' }, { name: 'usr/lib/deep/.wh..wh..opq' }, { name: 'usr/lib/deep/fresh', body: 'fresh' },
      { name: 'bin/tool', body: 'replaced', mode: 0o700 },
    ]);
    multi = writeOciLayout(join(tmp, 'oci-multi'), [fs.readFileSync(join(tmp, 'l1.tar')), l2], 'v1');
    writeOciLayout(join(tmp, 'oci-base'), [fs.readFileSync(join(tmp, 'l1.tar'))], 'v1');
    skopeo(['copy', '--dest-tls-verify=false', `oci:${join(tmp, 'oci-multi')}:v1`, `docker://${reg.host}/x/multi:v1`]);
    skopeo(['copy', '--dest-tls-verify=false', `oci:${join(tmp, 'oci-base')}:v1`, `docker://${reg.host}/x/base:v1`]);
  });
  after(async () => {
    await reg?.stop();
    if (fs.existsSync(join(tmp, 'c'))) tsnetRoot(root(), ['umount', join(tmp, 'c')]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('pull what skopeo pushed: listed with size and short id; the rootfs matches the source', () => {
    const out = t(['pull', `${reg.host}/x/multi:v1`]);
    assert.match(out, new RegExp(`Digest: ${multi.manifestDigest}`));
    const images = t(['images']).split('\n');
    assert.match(images[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(images[1]!, new RegExp(`^${reg.host}/x/multi\\s+v1\\s+[0-9a-f]{12}\\s+.*ago\\s+[0-9.]+MB$`));

    const rootfs = t(['mount', `${reg.host}/x/multi:v1`, join(tmp, 'c')]).trim();
    try {
      const want = listTree(src);
      want.delete('etc/config'); // whiteout in layer 2
      for (const k of [...want.keys()]) if (k.startsWith('usr/lib/deep/')) want.delete(k); // opaque dir
      const got = listTree(rootfs, { skipOverlayXattrs: true });
      const fresh = got.get('usr/lib/deep/fresh');
      assert.equal(fresh?.type, 'file');
      got.delete('usr/lib/deep/fresh');
      const tool = got.get('bin/tool')!;
      assert.equal(tool.mode, '700');
      assert.equal(fs.readFileSync(join(rootfs, 'bin/tool'), 'utf8'), 'replaced');
      got.delete('bin/tool');
      want.delete('bin/tool');
      // bin/tool-hardlink was tool's hardlink in layer 1: it keeps the old content.
      want.set('bin/tool-hardlink', { ...want.get('bin/tool-hardlink')!, extra: got.get('bin/tool-hardlink')!.extra });
      assert.equal(fs.readFileSync(join(rootfs, 'bin/tool-hardlink'), 'utf8'), 'x'.repeat(3000));
      for (const dir of ['etc', 'usr/lib/deep']) { got.delete(dir); want.delete(dir); } // changed by layer 2
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [p, node] of want) assert.deepEqual(got.get(p), node, p);
      assert.ok(!fs.existsSync(join(rootfs, 'etc/config')), 'the file layer 2 deleted is hidden');
    } finally {
      t(['umount', join(tmp, 'c')]);
    }
  });

  test('pull into vfs: each layer a full copy, whiteouts applied as deletions', () => {
    const vroot = join(tmp, 'root-vfs');
    ok(tsnetRoot(vroot, ['pull', `${reg.host}/x/multi:v1`, '--storage-driver', 'vfs']));
    const rootfs = ok(tsnetRoot(vroot, ['mount', `${reg.host}/x/multi:v1`, join(tmp, 'vc')])).stdout.trim();
    try {
      assert.ok(!fs.existsSync(join(rootfs, 'etc/config')));
      assert.deepEqual(fs.readdirSync(join(rootfs, 'usr/lib/deep')), ['fresh']);
      assert.equal(fs.readFileSync(join(rootfs, 'bin/tool'), 'utf8'), 'replaced');
      assert.equal(fs.statSync(join(rootfs, 'bin/suid')).mode & 0o7777, 0o4755);
    } finally {
      ok(tsnetRoot(vroot, ['umount', join(tmp, 'vc')]));
    }
    assert.equal(fs.readdirSync(join(vroot, 'storage', 'vfs', 'layers')).length, 2);
  });

  test('push with tsnet, read back with skopeo', () => {
    busyboxTar(tmp, join(tmp, 'bb.tar'));
    t(['import', join(tmp, 'bb.tar'), 'busybox:latest']);
    t(['tag', 'busybox', `${reg.host}/busybox:latest`]);
    const out = t(['push', `${reg.host}/busybox:latest`]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)![1];
    const info = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/busybox:latest`])) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, digest);
    assert.equal(info.Layers.length, 1);
    skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/busybox:latest`, `oci:${join(tmp, 'bb-oci')}:latest`]);
    // A second push sends nothing; a push to another repository mounts the blobs.
    assert.match(t(['push', `${reg.host}/busybox:latest`]), /0 uploaded, 0 mounted, 2 already there/);
    t(['tag', 'busybox', `${reg.host}/other/bb:1`]);
    assert.match(t(['push', `${reg.host}/other/bb:1`]), /0 uploaded, 2 mounted/);
  });

  test('pull, push, login and logout --json print their kinds', () => {
    const pulled = assertKind<{ reference: string; tags: string[] }>('pull', t(['pull', '--json', `${reg.host}/x/base:v1`]));
    assert.equal(pulled.reference, `${reg.host}/x/base:v1`);
    const pushed = assertKind<{ existed: number }>('push', t(['push', '--json', `${reg.host}/x/base:v1`]));
    assert.ok(pushed.existed > 0, 'what was just pulled is there already');
    assert.deepEqual(assertKind('login', t(['login', '--json', reg.host, '-u', 'bob', '-p', 'pw'])), { registry: reg.host });
    assert.deepEqual(assertKind('logout', t(['logout', '--json', reg.host])), { registry: reg.host, removed: true });
  });

  test('progress: bars redrawn in place on a terminal, plain lines in a pipe', () => {
    const r4 = join(tmp, 'root4');
    // script(1) gives tsnet a pseudo-terminal for stdout.
    const tty = spawnSync('script', ['-qec', `${TSNET_BIN} pull --root ${r4} ${reg.host}/x/multi:v1`, '/dev/null'], { encoding: 'utf8' });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /\x1b\[\d+A\r\x1b\[2K[0-9a-f]{12}: (Downloading \[[=> ]{30}\]|Pull complete)/);
    ok(tsnetRoot(r4, ['rmi', `${reg.host}/x/multi:v1`]));
    const plain = ok(tsnetRoot(r4, ['pull', `${reg.host}/x/multi:v1`])).stdout;
    assert.doesNotMatch(plain, /\x1b/);
    assert.match(plain, /^[0-9a-f]{12}: Pull complete$/m);
    assert.equal(ok(tsnetRoot(r4, ['pull', '-q', `${reg.host}/x/multi:v1`])).stdout, `${reg.host}/x/multi:v1\n`);
  });

  test('two concurrent pulls of one image download each layer once', async () => {
    const r2 = join(tmp, 'root2');
    const [a, b] = await Promise.all([tsnetRootAsync(r2, ['pull', `${reg.host}/x/multi:v1`]), tsnetRootAsync(r2, ['pull', `${reg.host}/x/multi:v1`])]);
    ok(a); ok(b);
    const both = a.stdout + b.stdout;
    assert.equal((both.match(/Pull complete/g) ?? []).length, 2, both);
    assert.match(both, /Already exists/);
    assert.equal(fs.readdirSync(join(r2, 'storage', 'overlay', 'layers')).length, 2);
  });

  test('a corrupted blob in the registry aborts the pull and leaves no trace', () => {
    const r3 = join(tmp, 'root3');
    const hex = multi.layerDigests[1]!.slice(7);
    const data = join(tmp, 'registry', 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const orig = fs.readFileSync(data);
    const bad = Buffer.from(orig);
    bad[bad.length >> 1]! ^= 0x55;
    fs.writeFileSync(data, bad);
    try {
      const r = tsnetRoot(r3, ['pull', `${reg.host}/x/multi:v1`]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /^tsnet: error: .*(digest|corrupt|invalid)/i);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.deepEqual(fs.readdirSync(join(r3, 'blobs', 'sha256')), []);
      assert.deepEqual(fs.readdirSync(join(r3, 'storage', 'overlay', 'layers')), []);
      assert.match(tsnetRoot(r3, ['images']).stdout, /^REPOSITORY.*\n$/);
    } finally {
      fs.writeFileSync(data, orig);
    }
  });

  test('rmi frees exactly the layers no other image uses', () => {
    t(['pull', `${reg.host}/x/base:v1`]);
    const layers = join(root(), 'storage', 'overlay', 'layers');
    const before = new Set(fs.readdirSync(layers));
    const out = t(['rmi', `${reg.host}/x/multi:v1`]);
    const freed = [...out.matchAll(/Deleted layer: sha256:([0-9a-f]{64})/g)].map((m) => m[1]);
    assert.equal(freed.length, 1, out);
    const after = new Set(fs.readdirSync(layers));
    assert.deepEqual([...before].filter((l) => !after.has(l)), freed);
    assert.match(t(['rmi', `${reg.host}/x/base:v1`]), /Deleted layer/);
    const r = tsnetRoot(root(), ['rmi', `${reg.host}/x/base:v1`]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /no image/);
  });
});
