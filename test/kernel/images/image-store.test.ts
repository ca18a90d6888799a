/**
 * The image graph on a real state root, for both graph drivers: images sharing layers,
 * a layer that deletes its parent's file (hidden in the overlay mount, gone in the vfs
 * copy), rmi freeing exactly the unshared layers and blobs, short-id prefix lookup, and a
 * corrupted blob leaving no trace.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openDatabase, type Database } from '../../../src/state/db.js';
import { ImageStore } from '../../../src/images/image-store.js';
import { ingestLayer } from '../../../src/images/ingest-layer.js';
import { composeImage, baseConfig } from '../../../src/images/compose.js';
import { sha256Digest } from '../../../src/images/digest.js';
import { MEDIA } from '../../../src/images/manifest.js';
import type { LayerRecord } from '../../../src/state/images.js';
import { TsnetError } from '../../../src/core/errors.js';
import { rootSkip } from '../../helpers/netns.js';
import { craftTar, type CraftedEntry } from '../../helpers/tree.js';

async function layer(store: ImageStore, entries: CraftedEntry[], parent?: LayerRecord): Promise<LayerRecord> {
  const tar = await craftTar(entries);
  const gz = gzipSync(tar);
  return ingestLayer(store, () => Readable.from([gz]), { digest: sha256Digest(gz), size: gz.length, mediaType: MEDIA.ociLayer, diffId: sha256Digest(tar) }, parent?.chainId);
}

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`image store (${driver})`, { skip: rootSkip }, () => {
    let root: string;
    let db: Database;
    let store: ImageStore;
    before(() => {
      root = fs.mkdtempSync(join(tmpdir(), 'tsnet-imgstore-'));
      db = openDatabase(root);
      store = new ImageStore({ root, db, storageDriver: driver });
    });
    after(() => { db.close(); fs.rmSync(root, { recursive: true, force: true }); });

    test('shared layers, a whiteout hiding the parent\'s file, rmi freeing only unshared layers', async () => {
      const base = await layer(store, [{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', body: 'hi' }, { name: 'etc/keep', body: 'k' }]);
      const del = await layer(store, [{ name: 'etc/.wh.motd' }, { name: 'new', body: 'n' }], base);
      const other = await layer(store, [{ name: 'other', body: 'o' }], base);
      const x = composeImage(store, baseConfig('x'), [base], ['x']);
      const y = composeImage(store, baseConfig('y'), [base, del], ['y:1']);
      const z = composeImage(store, baseConfig('z'), [base, other], ['z']);
      assert.equal(store.resolve('y:1').id, y.id);
      assert.equal(store.resolve(y.id.slice(7, 19)).id, y.id);

      const dir = join(root, 'c1');
      const fsRoot = await store.mountRootfs('y:1', dir);
      try {
        assert.ok(!fs.existsSync(join(fsRoot.path, 'etc/motd')), 'the deleted file is hidden');
        assert.equal(fs.readFileSync(join(fsRoot.path, 'etc/keep'), 'utf8'), 'k');
        assert.equal(fs.readFileSync(join(fsRoot.path, 'new'), 'utf8'), 'n');
        fs.writeFileSync(join(fsRoot.path, 'etc/written'), 'w');
        assert.ok(!fs.existsSync(join(store.driver.layerDir(base.chainId), 'etc/written')), 'writes stay out of the layers');
      } finally {
        store.unmountRootfs(dir);
      }
      assert.ok(!fs.existsSync(dir));

      const r = store.remove('y:1');
      assert.deepEqual(r.layers, [del.chainId], 'only the unshared layer is freed');
      assert.ok(!store.driver.hasLayer(del.chainId));
      assert.ok(!store.blobs.has(del.blobDigest) && !store.blobs.has(y.id));
      assert.ok(store.driver.hasLayer(base.chainId) && store.blobs.has(base.blobDigest));
      assert.deepEqual(store.remove('x').layers, [], 'base is still used by z');
      assert.deepEqual(store.remove(z.id.slice(7, 15)).layers, [other.chainId, base.chainId]);
      assert.deepEqual(fs.readdirSync(join(store.driver.home, 'layers')), []);
      assert.deepEqual(fs.readdirSync(store.blobs.dir), []);
      void x;
    });

    test('ambiguous and unknown ids are one-line errors', async () => {
      const l = await layer(store, [{ name: 'f', body: 'f' }]);
      const ids = new Set<string>();
      // Enough images that two share a first hex digit.
      while (ids.size < 17) ids.add(composeImage(store, { ...baseConfig('n'), n: ids.size }, [l], []).id);
      const first = [...ids].map((i) => i[7]!).find((c, i, all) => all.indexOf(c) !== i)!;
      assert.throws(() => store.resolve(first), (e: unknown) => e instanceof TsnetError && e.code === 'EINVAL' && /ambiguous/.test(e.message));
      assert.throws(() => store.resolve('nosuchimage'), (e: unknown) => e instanceof TsnetError && e.code === 'ENOTFOUND');
      for (const id of ids) store.remove(id);
    });

    test('a corrupted or truncated blob leaves no trace', async () => {
      const tar = await craftTar([{ name: 'f', body: 'x'.repeat(10000) }]);
      const gz = gzipSync(tar);
      const bad = Buffer.from(gz);
      bad[bad.length - 20]! ^= 0xff;
      const src = { digest: sha256Digest(gz), size: gz.length, mediaType: MEDIA.ociLayer, diffId: sha256Digest(tar) };
      await assert.rejects(ingestLayer(store, () => Readable.from([bad]), src, undefined), (e: Error) => !e.message.includes('\n'));
      await assert.rejects(ingestLayer(store, () => Readable.from([gz.subarray(0, 100)]), src, undefined), (e: Error) => !e.message.includes('\n'));
      await assert.rejects(ingestLayer(store, () => Readable.from([gz]), { ...src, diffId: sha256Digest('other') }, undefined), /unpacks to/);
      assert.deepEqual(fs.readdirSync(store.blobs.dir), []);
      assert.deepEqual(fs.readdirSync(join(root, 'blobs', 'tmp')), []);
      assert.deepEqual(fs.readdirSync(join(store.driver.home, 'tmp')), []);
      assert.equal(store.repo.layerCount(), 0);
    });
  });
}
