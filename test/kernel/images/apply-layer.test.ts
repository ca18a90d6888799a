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

  const attacks: [string, CraftedEntry[], RegExp][] = [
    ['absolute path', [{ name: '/escape', body: 'x' }], /"\/escape" is an absolute path/],
    ['.. component', [{ name: 'a/../../escape', body: 'x' }], /"a\/\.\.\/\.\.\/escape" has a "\.\." component/],
    ['write through a symlink', [{ name: 'evil', type: 'symlink', linkname: 'OUTSIDE' }, { name: 'evil/escape', body: 'x' }], /"evil\/escape" would write through the symlink "evil"/],
    ['hardlink to a file outside (..)', [{ name: 'h', type: 'link', linkname: '../outside-file' }], /hardlink target .*"\.\." component/],
    ['hardlink to a file outside (absolute)', [{ name: 'h', type: 'link', linkname: 'OUTSIDE_FILE' }], /absolute path/],
    ['hardlink through a symlink', [{ name: 'evil', type: 'symlink', linkname: 'OUTSIDE' }, { name: 'h', type: 'link', linkname: 'evil/secret' }], /"evil\/secret" would write through the symlink "evil"/],
    ['whiteout through a symlink', [{ name: 'evil', type: 'symlink', linkname: 'OUTSIDE' }, { name: 'evil/.wh.secret' }], /would write through the symlink "evil"/],
  ];
  for (const [what, entries, message] of attacks) {
    test(`hostile layer refused: ${what}`, async () => {
      const outside = fresh();
      fs.writeFileSync(join(outside, 'secret'), 's');
      const fixed = entries.map((e) => ({ ...e, linkname: e.linkname?.replace('OUTSIDE_FILE', join(outside, 'secret')).replace('OUTSIDE', outside) }));
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

  test('truncated and corrupt tars fail with one line', async () => {
    const good = await craftTar([{ name: 'f', body: 'y'.repeat(5000) }]);
    await assert.rejects(applyLayer(Readable.from(good.subarray(0, 1024)), fresh(), OVERLAY), (e: Error) => !e.message.includes('\n'));
    const bad = Buffer.from(good);
    bad.fill(0x41, 0, 512);
    await assert.rejects(applyLayer(Readable.from(bad), fresh(), OVERLAY), (e: Error) => !e.message.includes('\n'));
  });
});
