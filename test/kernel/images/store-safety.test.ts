/**
 * The image store against local attacks and crashes, for both graph drivers: `tsnet mount`
 * gives other users neither the image's setuid binaries nor its device nodes (0700 dir,
 * nosuid,nodev unless --suid-dev, which warns); rmi of a very deep tree removes it all;
 * a killed rmi's trash is put back (rows kept) or deleted (rows gone), and temp leftovers
 * of dead processes are swept while a live process's are kept; a failed import leaves
 * nothing; save -o in a world-writable directory never writes through what another user put there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openDatabase } from '../../../src/state/db.js';
import { ImageStore } from '../../../src/images/image-store.js';
import { ingestLayer } from '../../../src/images/ingest-layer.js';
import { baseConfig, composeImage } from '../../../src/images/compose.js';
import { sha256Digest } from '../../../src/images/digest.js';
import { MEDIA } from '../../../src/images/manifest.js';
import { mknod, S_IFCHR } from '../../../src/storage/libc.js';
import { tempName } from '../../../src/storage/temp-name.js';
import { rootSkip } from '../../helpers/netns.js';
import { craftTar, gnuTar, type CraftedEntry } from '../../helpers/tree.js';
import { tsnetRoot } from '../../helpers/image-cli.js';
import { TSNET_BIN } from '../../helpers/tsnet.js';

/** asNobody — argv run as uid/gid 65534 with no groups; status and output. */
function asNobody(argv: string[]): { status: number; out: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], { encoding: 'utf8' });
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

/** A name tsnet's sweeper takes for a dead process's (no pid is that large). */
const DEAD = (prefix: string): string => `${prefix}-2147483646.1-abcdef`;

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`image store safety (${driver})`, { skip: rootSkip }, () => {
    let tmp: string;
    let root: string;
    before(() => {
      tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-safety-'));
      fs.chmodSync(tmp, 0o711); // so that only tsnet's own 0700 directories keep nobody out
      root = join(tmp, 'root');
      const src = join(tmp, 'src');
      for (const d of ['bin', 'dev']) fs.mkdirSync(join(src, d), { recursive: true });
      fs.copyFileSync('/usr/bin/id', join(src, 'bin/id'));
      fs.chmodSync(join(src, 'bin/id'), 0o4755);
      mknod(join(src, 'dev/null0'), S_IFCHR | 0o666, 1, 3);
      gnuTar(src, join(tmp, 'img.tar'));
      const r = tsnetRoot(root, ['import', '--storage-driver', driver, join(tmp, 'img.tar'), 'suid:1']);
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => {
      for (const d of ['m1', 'm2']) tsnetRoot(root, ['umount', join(tmp, d)]);
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    test('tsnet mount: other users reach neither setuid binaries nor device nodes; --suid-dev warns', () => {
      const m1 = join(tmp, 'm1');
      const r = tsnetRoot(root, ['mount', 'suid:1', m1]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const merged = r.stdout.trim();
      const st = fs.statSync(m1);
      assert.equal(`${(st.mode & 0o777).toString(8)} ${st.uid}`, '700 0');
      assert.notEqual(asNobody(['ls', merged]).status, 0, 'nobody cannot reach the rootfs');
      assert.equal(fs.statSync(join(root, 'storage')).mode & 0o777, 0o700, 'nor the layers');
      if (driver === 'overlay') {
        // Even with the directory opened up, the mount itself is nosuid,nodev.
        fs.chmodSync(m1, 0o711);
        assert.equal(asNobody([join(merged, 'bin/id'), '-u']).out.trim(), '65534', 'setuid bit ignored');
        assert.match(asNobody(['head', '-c', '1', join(merged, 'dev/null0')]).out, /Permission denied/);
        const m2 = join(tmp, 'm2');
        const lifted = tsnetRoot(root, ['mount', '--suid-dev', 'suid:1', m2]);
        assert.equal(lifted.status, 0, lifted.stderr);
        assert.match(lifted.stderr, /^tsnet: warning: .* honours the image's setuid binaries and device nodes \(--suid-dev\)/);
        fs.chmodSync(m2, 0o711);
        assert.equal(asNobody([join(lifted.stdout.trim(), 'bin/id'), '-u']).out.trim(), '0', 'the control: --suid-dev honours it');
        assert.equal(asNobody(['head', '-c', '1', join(lifted.stdout.trim(), 'dev/null0')]).status, 0);
      }
    });

    test('rmi of an image with a very deep tree removes it all, rows and disk', async () => {
      const db = openDatabase(root);
      try {
        const store = new ImageStore({ root, db, storageDriver: driver });
        const entries: CraftedEntry[] = [];
        let p = '';
        // 4800-byte paths: longer than PATH_MAX, so no path-based removal can do it.
        for (let i = 0; i < 600; i++) { p += 'deepdir/'; entries.push({ name: p, type: 'directory' }); }
        entries.push({ name: `${p}leaf`, body: 'x' });
        const tar = await craftTar(entries);
        const gz = gzipSync(tar);
        const l = await ingestLayer(store, () => Readable.from([gz]), { digest: sha256Digest(gz), size: gz.length, mediaType: MEDIA.ociLayer, diffId: sha256Digest(tar) }, undefined);
        const img = composeImage(store, baseConfig('deep'), [l], ['deep:1']);
        assert.ok(store.driver.hasLayer(l.chainId));
        assert.deepEqual(store.remove('deep:1').layers, [l.chainId]);
        assert.ok(!store.driver.hasLayer(l.chainId) && !store.blobs.has(l.blobDigest) && !store.blobs.has(img.id));
        assert.equal(store.repo.layer(l.chainId), undefined);
        assert.deepEqual(fs.readdirSync(join(root, 'trash')), []);
      } finally {
        db.close();
      }
    });

    test('a killed rmi is finished or undone at the next start; dead processes\' temp files are swept, live ones kept', async () => {
      const db = openDatabase(root);
      try {
        let store = new ImageStore({ root, db, storageDriver: driver });
        const img = store.resolve('suid:1');
        const layerHex = img.layers[0]!.slice(7);
        const layerDir = store.driver.layerDir(img.layers[0]!);
        const trash = join(root, 'trash');
        fs.mkdirSync(trash, { recursive: true });
        // Killed before the commit: the rows stand, the layer dir sits in the trash.
        fs.renameSync(layerDir, join(trash, DEAD(`layer-${driver}-${layerHex}`)));
        // Killed after a commit: nothing names this one any more.
        fs.mkdirSync(join(trash, DEAD(`layer-${driver}-${'e'.repeat(64)}`)));
        const blobTmp = store.blobs.tmpDir;
        const layerTmp = join(store.driver.home, 'tmp');
        fs.mkdirSync(layerTmp, { recursive: true });
        fs.writeFileSync(join(blobTmp, DEAD('blob')), 'half a download');
        fs.mkdirSync(join(layerTmp, DEAD('0123456789abcdef')));
        fs.writeFileSync(join(blobTmp, tempName('blob')), 'this process is alive');
        store = new ImageStore({ root, db, storageDriver: driver });
        assert.ok(store.driver.hasLayer(img.layers[0]!), 'the layer dir was put back');
        assert.deepEqual(fs.readdirSync(trash), []);
        assert.deepEqual(fs.readdirSync(layerTmp), []);
        assert.equal(fs.readdirSync(blobTmp).length, 1, "a live process's temp file is kept");
        const m = join(tmp, 'm3');
        const fsRoot = await store.mountRootfs('suid:1', m);
        assert.ok(fs.existsSync(join(fsRoot.path, 'bin/id')));
        store.unmountRootfs(m);
      } finally {
        db.close();
      }
    });
  });
}

describe('image files against other local users', { skip: rootSkip }, () => {
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-files-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a failed import leaves no blob, layer dir, temp file or row', async () => {
    const root = join(tmp, 'root');
    fs.writeFileSync(join(tmp, 'bad.tar'), await craftTar([{ name: 'ok', body: 'fine' }, { name: 'a/../../escape', body: 'x' }]));
    const r = tsnetRoot(root, ['import', join(tmp, 'bad.tar'), 'bad:1']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /climbs out of the rootfs/);
    for (const d of ['blobs/sha256', 'blobs/tmp', 'storage/overlay/layers', 'storage/overlay/tmp', 'tmp']) {
      const p = join(root, d);
      assert.deepEqual(fs.existsSync(p) ? fs.readdirSync(p) : [], [], d);
    }
    assert.equal(tsnetRoot(root, ['images', '--json']).stdout.trim(), '[]');
  });

  test('load of a hostile archive: names climbing out, links to what is not there; nothing written outside, no temp left', async () => {
    const root = join(tmp, 'root3');
    const outside = join(tmp, 'outside');
    fs.mkdirSync(outside);
    const cases: [CraftedEntry[], RegExp][] = [
      [[{ name: 'manifest.json', body: '[]' }, { name: '../outside/escape', body: 'x' }], /climbs out of the rootfs/],
      [[{ name: 'a/../../outside/escape', body: 'x' }], /climbs out of the rootfs/],
      [[{ name: 'l', type: 'symlink', linkname: '../../../../outside' }, { name: 'manifest.json', body: '[]' }], /climbs out of the rootfs/],
      [[{ name: 'h', type: 'link', linkname: join(outside, 'secret') }, { name: 'manifest.json', body: '[]' }], /links to ".*secret", which the archive lacks/],
    ];
    fs.writeFileSync(join(outside, 'secret'), 's');
    for (const [entries, message] of cases) {
      fs.writeFileSync(join(tmp, 'evil.tar'), await craftTar(entries));
      const r = tsnetRoot(root, ['load', '-i', join(tmp, 'evil.tar')]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.deepEqual(fs.readdirSync(outside), ['secret']);
      assert.deepEqual(fs.readdirSync(join(root, 'tmp')), [], 'the unpack dir is removed');
    }
  });

  test('save -o in a world-writable directory: a planted symlink is replaced, never written through', async () => {
    const root = join(tmp, 'root2');
    fs.writeFileSync(join(tmp, 'f.tar'), await craftTar([{ name: 'f', body: 'f' }]));
    assert.equal(tsnetRoot(root, ['import', join(tmp, 'f.tar'), 'f:1']).status, 0);
    const shared = join(tmp, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const victim = join(tmp, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, join(shared, 'out.tar'));
    // Traced: the temp file next to out.tar must be made with O_EXCL under a name nobody can
    // guess (an older tsnet used out.tar.tsnet-PID.tmp, opened without O_EXCL: another user
    // could plant that name as a symlink to any file and have root write through it).
    const trace = join(tmp, 'save.strace');
    const r = spawnSync('strace', ['-f', '-e', 'trace=open,openat,creat', '-o', trace, TSNET_BIN, 'save', '--root', root, '-o', join(shared, 'out.tar'), 'f:1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.ok(fs.lstatSync(join(shared, 'out.tar')).isFile());
    assert.deepEqual(fs.readdirSync(shared), ['out.tar'], 'no temp file left');
    const creates = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes(`"${shared}/`) && l.includes('O_CREAT'));
    assert.equal(creates.length, 1, creates.join('\n'));
    assert.match(creates[0]!, /O_EXCL/, 'created exclusively');
    const name = /"([^"]+)"/.exec(creates[0]!)![1]!.slice(shared.length + 1);
    assert.match(name, /[0-9a-f]{16}/, `an unpredictable name: ${name}`);
  });
});
