/**
 * Layer application on the real filesystem: a GNU-tar layer of every entry kind unpacks
 * identically; whiteouts hide lower files in a real overlay mount and delete them for vfs;
 * each hostile-layer attack is refused with a one-line error and writes nothing outside.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { applyLayer, type ApplyOptions } from '../../../src/storage/apply-layer.js';
import { mount, umount2 } from '../../../src/storage/libc.js';
import { TsnetError } from '../../../src/core/errors.js';
import { rootSkip } from '../../helpers/netns.js';
import { craftTar, gnuTar, listTree, makeSourceTree, type CraftedEntry } from '../../helpers/tree.js';

const OVERLAY: ApplyOptions = { whiteouts: 'overlay', devices: true };
const VFS: ApplyOptions = { whiteouts: 'delete', devices: true };

describe('apply-layer', { skip: rootSkip }, () => {
  let tmp: string;
  let n = 0;
  const fresh = (): string => { const d = join(tmp, `d${n++}`); fs.mkdirSync(d); return d; };
  before(() => { tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-apply-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('every entry kind survives: modes, setuid/setgid, owners, links, devices, FIFO, xattrs, caps', async () => {
    const src = fresh();
    makeSourceTree(src);
    const tarFile = join(tmp, 'src.tar');
    gnuTar(src, tarFile);
    const dst = fresh();
    const r = await applyLayer(fs.createReadStream(tarFile), dst, OVERLAY);
    assert.ok(r.entries > 15);
    const want = listTree(src);
    const got = listTree(dst);
    assert.deepEqual([...got.keys()], [...want.keys()]);
    for (const [p, node] of want) assert.deepEqual(got.get(p), node, p);
    assert.equal(got.get('bin/suid')!.mode, '4755');
    assert.match(got.get('bin/cap')!.xattrs, /security\.capability=01000002/);
  });

  const lower: CraftedEntry[] = [
    { name: 'a/', type: 'directory' }, { name: 'a/gone', body: 'x' }, { name: 'a/kept', body: 'k' },
    { name: 'd/', type: 'directory' }, { name: 'd/old1', body: '1' }, { name: 'd/sub/old2', body: '2' },
  ];
  const upper: CraftedEntry[] = [
    { name: 'a/.wh.gone' }, { name: 'd/', type: 'directory' }, { name: 'd/.wh..wh..opq' }, { name: 'd/new', body: 'n' },
  ];

  test('overlay whiteouts hide the parent\'s files in a real overlay mount', async () => {
    const l1 = fresh();
    const l2 = fresh();
    await applyLayer(Readable.from(await craftTar(lower)), l1, OVERLAY);
    await applyLayer(Readable.from(await craftTar(upper)), l2, OVERLAY);
    const wh = fs.lstatSync(join(l2, 'a/gone'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0:0 char device');
    const [up, work, merged] = [fresh(), fresh(), fresh()];
    mount('overlay', merged, 'overlay', 0, `lowerdir=${l2}:${l1},upperdir=${up},workdir=${work}`);
    try {
      assert.deepEqual(fs.readdirSync(join(merged, 'a')), ['kept']);
      assert.deepEqual(fs.readdirSync(join(merged, 'd')), ['new']);
    } finally {
      umount2(merged);
    }
  });

  test('vfs whiteouts delete from the copy of the parent', async () => {
    const d = fresh();
    await applyLayer(Readable.from(await craftTar(lower)), d, VFS);
    await applyLayer(Readable.from(await craftTar(upper)), d, VFS);
    assert.deepEqual([...listTree(d).keys()], ['a', 'a/kept', 'd', 'd/new']);
  });

  test('a whiteout and a new file of the same name in one layer: the file wins', async () => {
    for (const opts of [OVERLAY, VFS]) {
      const d = fresh();
      await applyLayer(Readable.from(await craftTar([{ name: 'd/.wh.x' }, { name: 'd/x', body: 'new' }])), d, opts);
      assert.equal(fs.readFileSync(join(d, 'd/x'), 'utf8'), 'new');
    }
  });

  const apply = async (entries: CraftedEntry[], d: string, opts = OVERLAY): Promise<void> => { await applyLayer(Readable.from(await craftTar(entries)), d, opts); };

  test('names are cleaned into the rootfs: "/" sets the root directory, absolute members land inside', async () => {
    const d = fresh();
    const t = new Date('2001-02-03T04:05:06Z');
    await apply([
      { name: '/', type: 'directory', mode: 0o750, mtime: t, uid: 7, gid: 8 },
      { name: '/etc/', type: 'directory' }, { name: '/etc/passwd', body: 'root:x:0:0::/:/bin/sh\n' },
      { name: './usr/lib/', type: 'directory' }, { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: '/lib/libc.so', body: 'elf' }, { name: 'usr/../top', body: 't' },
    ], d);
    const st = fs.statSync(d);
    assert.equal((st.mode & 0o7777).toString(8), '750');
    assert.equal(`${st.uid}:${st.gid}`, '7:8');
    assert.equal(st.mtime.getTime(), t.getTime());
    assert.equal(fs.readFileSync(join(d, 'etc/passwd'), 'utf8'), 'root:x:0:0::/:/bin/sh\n');
    assert.equal(fs.readFileSync(join(d, 'usr/lib/libc.so'), 'utf8'), 'elf', 'a symlinked parent is resolved inside the rootfs');
    assert.ok(fs.lstatSync(join(d, 'lib')).isSymbolicLink());
    assert.equal(fs.readFileSync(join(d, 'top'), 'utf8'), 't');
  });

  test('a symlink to an absolute path is resolved inside the rootfs, never on the host', async () => {
    const outside = fresh();
    for (const opts of [OVERLAY, VFS]) {
      const d = fresh();
      await apply([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/escape', body: 'x' }, { name: 'h', type: 'link', linkname: 'evil/escape' }], d, opts);
      assert.equal(fs.readFileSync(join(d, outside, 'escape'), 'utf8'), 'x');
      assert.equal(fs.statSync(join(d, 'h')).nlink, 2);
    }
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  test('directory times never follow a symlink that later replaced the directory (import, load and pull alike)', async () => {
    const outside = fresh();
    fs.writeFileSync(join(outside, 'file'), 'f');
    const old = new Date('1999-01-01T00:00:00Z');
    fs.utimesSync(join(outside, 'file'), old, old);
    fs.utimesSync(outside, old, old);
    const rel = `../${outside.split('/').pop()!}`;
    for (const opts of [OVERLAY, VFS]) {
      for (const target of [outside, join(outside, 'file')]) {
        await apply([{ name: 'd/', type: 'directory', mtime: new Date(5000) }, { name: 'd', type: 'symlink', linkname: target }], fresh(), opts);
      }
      await apply([{ name: 'd/', type: 'directory', mtime: new Date(5000) }, { name: 'd', type: 'symlink', linkname: rel }], fresh(), opts);
    }
    assert.equal(fs.statSync(outside).mtime.getTime(), old.getTime());
    assert.equal(fs.statSync(join(outside, 'file')).mtime.getTime(), old.getTime());
  });

  const attacks: [string, CraftedEntry[], RegExp][] = [
    ['.. above the root', [{ name: 'a/../../escape', body: 'x' }], /"a\/\.\.\/\.\.\/escape" climbs out of the rootfs/],
    ['absolute name with ..', [{ name: '/../escape', body: 'x' }], /"\/\.\.\/escape" climbs out of the rootfs/],
    ['write through a symlink that climbs out', [{ name: 'a/', type: 'directory' }, { name: 'a/evil', type: 'symlink', linkname: '../../..' }, { name: 'a/evil/escape', body: 'x' }], /"a\/evil\/escape" resolves outside the rootfs through a symlink/],
    ['chained symlinks that climb out', [{ name: 's1', type: 'symlink', linkname: 's2/..' }, { name: 's2', type: 'symlink', linkname: '.' }, { name: 's1/escape', body: 'x' }], /"s1\/escape" resolves outside the rootfs through a symlink/],
    ['a symlink loop', [{ name: 'loop', type: 'symlink', linkname: 'loop' }, { name: 'loop/x', body: 'x' }], /too many levels of symlinks/],
    ['hardlink to a file outside (..)', [{ name: 'h', type: 'link', linkname: '../outside-file' }], /hardlink target .* climbs out of the rootfs/],
    ['hardlink to a host path (absolute)', [{ name: 'h', type: 'link', linkname: '/OUTSIDE_FILE' }], /points to ".*secret", which is not a file in this layer/],
    ['hardlink through a symlink that climbs out', [{ name: 'evil', type: 'symlink', linkname: '../../../../../../..' }, { name: 'h', type: 'link', linkname: 'evil/OUTSIDE_FILE' }], /"h" resolves outside the rootfs through a symlink/],
    ['whiteout through a symlink that climbs out', [{ name: 'evil', type: 'symlink', linkname: '..' }, { name: 'evil/.wh.secret' }], /resolves outside the rootfs through a symlink/],
    ['a file where a directory must be', [{ name: 'f', body: 'x' }, { name: 'f/x', body: 'y' }], /"f\/x" needs "f" to be a directory, but it is a file/],
  ];
  for (const [what, entries, message] of attacks) {
    test(`hostile layer refused: ${what}`, async () => {
      const outside = fresh();
      fs.writeFileSync(join(outside, 'secret'), 's');
      const fixed = entries.map((e) => ({ ...e, linkname: e.linkname?.replace('OUTSIDE_FILE', join(outside, 'secret').slice(1)).replace('OUTSIDE', outside) }));
      const d = fresh();
      for (const opts of [OVERLAY, VFS]) {
        await assert.rejects(applyLayer(Readable.from(await craftTar(fixed)), d, opts), (e: unknown) => {
          assert.ok(e instanceof TsnetError && !e.message.includes('\n'));
          assert.match(e.message, message);
          return true;
        });
      }
      assert.deepEqual(fs.readdirSync(outside), ['secret'], 'nothing written outside');
      assert.equal(fs.readFileSync(join(outside, 'secret'), 'utf8'), 's');
      assert.ok(!fs.existsSync(join(tmp, 'escape')));
    });
  }

  test('hostile layer refused: device node where the storage cannot hold devices', async () => {
    const d = fresh();
    await assert.rejects(applyLayer(Readable.from(await craftTar([{ name: 'dev/sda', type: 'character-device' }])), d, { whiteouts: 'overlay', devices: false }),
      /"dev\/sda" is a device node, which this storage cannot hold/);
    assert.ok(!fs.existsSync(join(d, 'dev/sda')));
  });

  test('a tar that ends right after the last body (no padding, no end blocks, as umoci insert writes) is whole', async () => {
    const tar = await craftTar([{ name: 'a', body: 'x'.repeat(600) }, { name: 'b', body: 'hi' }]);
    const d = fresh();
    await applyLayer(Readable.from(tar.subarray(0, 512 + 1024 + 512 + 2)), d, OVERLAY);
    assert.equal(fs.readFileSync(join(d, 'b'), 'utf8'), 'hi');
    // Cut inside a body or a header: still an error.
    for (const cut of [512 + 1024 + 512 + 1, 512 + 1024 + 100, 512 + 300]) {
      await assert.rejects(applyLayer(Readable.from(tar.subarray(0, cut)), fresh(), OVERLAY), (e: Error) => !e.message.includes('\n'));
    }
  });

  test('truncated and corrupt tars fail with one line', async () => {
    const good = await craftTar([{ name: 'f', body: 'y'.repeat(5000) }]);
    await assert.rejects(applyLayer(Readable.from(good.subarray(0, 1024)), fresh(), OVERLAY), (e: Error) => !e.message.includes('\n'));
    const bad = Buffer.from(good);
    bad.fill(0x41, 0, 512);
    await assert.rejects(applyLayer(Readable.from(bad), fresh(), OVERLAY), (e: Error) => !e.message.includes('\n'));
  });
});
