/**
 * The image CLI without a registry: import of the busybox rootfs, images/tag/rmi with
 * short ids, mount/umount on both graph drivers, save in both formats read by skopeo,
 * archives written by skopeo loaded by tsnet, and bad input giving one-line errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { rootSkip } from '../helpers/netns.js';
import { ok } from '../helpers/tsnet.js';
import { skopeo, tsnetRoot } from '../helpers/image-cli.js';
import { busyboxTar } from '../helpers/busybox.js';
import { listTree } from '../helpers/tree.js';

describe('image archives and local image commands', { skip: rootSkip }, () => {
  let tmp: string;
  let id: string;
  const root = (): string => join(tmp, 'root');
  const t = (args: string[], r = root()): string => ok(tsnetRoot(r, args)).stdout;
  before(() => {
    tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-img-arch-'));
    busyboxTar(tmp, join(tmp, 'bb.tar'));
    id = t(['import', join(tmp, 'bb.tar'), 'busybox']).trim();
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('import, images, tag, short-id lookup, rmi of a tag keeps the image', () => {
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    t(['tag', id.slice(7, 13), 'mine/bb:v1']);
    const rows = t(['images']).trim().split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows.join('\n'), new RegExp(`busybox\\s+latest\\s+${id.slice(7, 19)}\\s+.*ago\\s+[0-9.]+MB`));
    assert.match(rows.join('\n'), /mine\/bb\s+v1/);
    const json = JSON.parse(t(['images', '--json'])) as { id: string; tags: string[] }[];
    assert.deepEqual(json[0]!.tags, ['docker.io/library/busybox:latest', 'docker.io/mine/bb:v1']);
    assert.equal(t(['images', '-q']), `${id.slice(7, 19)}\n`, '-q: the short id, once for its two tags');
    assert.equal(t(['images', '--format', '{{.ID}} {{join .Tags ","}}']), `${id} docker.io/library/busybox:latest,docker.io/mine/bb:v1\n`);
    const r = tsnetRoot(root(), ['rmi', id.slice(7, 19)]);
    assert.equal(r.status, 4, 'an id with several tags needs --force');
    assert.match(t(['rmi', 'mine/bb:v1']), /^Untagged: mine\/bb:v1$/m);
    assert.equal(t(['images']).trim().split('\n').length, 2);
  });

  test('mount gives a working rootfs on overlay; vfs makes a full copy', () => {
    const rootfs = t(['mount', 'busybox', join(tmp, 'c')]).trim();
    try {
      const echo = spawnSync('chroot', [rootfs, '/bin/sh', '-c', 'echo hello > /tmp/x && cat /tmp/x'], { encoding: 'utf8' });
      assert.equal(echo.stdout, 'hello\n');
      assert.ok(fs.existsSync(join(tmp, 'c', 'upper', 'tmp', 'x')), 'writes land in the upper dir');
      const busy = tsnetRoot(root(), ['rmi', 'busybox']);
      assert.equal(busy.status, 4);
      assert.match(busy.stderr, /in use by the rootfs at .*\/c; tsnet umount it first/);
      const again = tsnetRoot(root(), ['mount', 'busybox', join(tmp, 'c')]);
      assert.equal(again.status, 4);
    } finally {
      t(['umount', join(tmp, 'c')]);
    }
    assert.ok(!fs.existsSync(join(tmp, 'c')));
    fs.mkdirSync(join(tmp, 'not-ours'));
    fs.writeFileSync(join(tmp, 'not-ours', 'keep'), 'k');
    t(['umount', join(tmp, 'not-ours')]);
    assert.ok(fs.existsSync(join(tmp, 'not-ours', 'keep')), 'umount leaves directories it did not mount alone');
    const vroot = join(tmp, 'vroot');
    t(['import', join(tmp, 'bb.tar'), 'bb', '--storage-driver', 'vfs'], vroot);
    const copy = t(['mount', 'bb', join(tmp, 'v')], vroot).trim();
    assert.deepEqual([...listTree(copy).keys()], [...listTree(join(vroot, 'storage', 'vfs', 'layers', fs.readdirSync(join(vroot, 'storage', 'vfs', 'layers'))[0]!)).keys()]);
    t(['umount', join(tmp, 'v')], vroot);
    const clash = tsnetRoot(vroot, ['images', '--storage-driver', 'overlay']);
    assert.equal(clash.status, 0, 'listing does not need the driver');
    const r = tsnetRoot(vroot, ['import', join(tmp, 'bb.tar'), 'bb2', '--storage-driver', 'overlay']);
    assert.equal(r.status, 4);
    assert.match(r.stderr, /holds images in storage driver "vfs"/);
  });

  test('save: docker-archive and OCI layout, both read by skopeo and by tsnet load', () => {
    t(['save', '-o', join(tmp, 'd.tar'), 'busybox']);
    const d = JSON.parse(skopeo(['inspect', `docker-archive:${join(tmp, 'd.tar')}`])) as { Layers: string[]; Architecture: string };
    assert.equal(d.Layers.length, 1);
    assert.equal(d.Architecture, 'amd64');
    t(['save', '--format', 'oci', '-o', join(tmp, 'o.tar'), 'busybox']);
    const o = JSON.parse(skopeo(['inspect', `oci-archive:${join(tmp, 'o.tar')}:latest`])) as { Layers: string[] };
    assert.equal(o.Layers.length, 1);
    for (const f of ['d.tar', 'o.tar']) {
      const r2 = join(tmp, `load-${f}`);
      assert.match(t(['load', '-i', join(tmp, f)], r2), /Loaded image: docker.io\/library\/busybox:latest/);
      assert.equal((JSON.parse(t(['images', '--json'], r2)) as { id: string }[])[0]!.id, id, 'same config, same image id');
    }
  });

  test('load what skopeo wrote (docker-archive and oci-archive)', () => {
    skopeo(['copy', `docker-archive:${join(tmp, 'd.tar')}`, `docker-archive:${join(tmp, 'sk-d.tar')}:sk/d:v1`]);
    skopeo(['copy', `docker-archive:${join(tmp, 'd.tar')}`, `oci-archive:${join(tmp, 'sk-o.tar')}:sk/o:v2`]);
    const r2 = join(tmp, 'load-sk');
    assert.match(t(['load', '-i', join(tmp, 'sk-d.tar')], r2), /Loaded image: docker.io\/sk\/d:v1/);
    assert.match(t(['load', '-i', join(tmp, 'sk-o.tar')], r2), /Loaded image: docker.io\/sk\/o:v2/);
    const rootfs = t(['mount', 'sk/o:v2', join(tmp, 'm')], r2).trim();
    try {
      assert.ok(fs.lstatSync(join(rootfs, 'bin/sh')).isSymbolicLink());
      assert.equal(fs.statSync(join(rootfs, 'bin/busybox')).size, fs.statSync('/bin/busybox').size);
    } finally {
      t(['umount', join(tmp, 'm')], r2);
    }
  });

  test('every image command has help with an example', () => {
    for (const cmd of ['pull', 'push', 'login', 'logout', 'images', 'tag', 'rmi', 'import', 'save', 'load', 'mount', 'umount']) {
      const r = tsnetRoot(root(), [cmd, '--help']);
      assert.equal(r.status, 0, cmd);
      assert.match(r.stdout, /Examples?:\n\s+(echo .*\| )?tsnet /, `${cmd} --help shows an example`);
    }
  });

  test('bad input: one-line errors, nothing changed', () => {
    const before = t(['images', '--json']);
    fs.writeFileSync(join(tmp, 'junk.tar'), 'not a tar at all'.repeat(100));
    const cases: [string[], number, RegExp][] = [
      [['pull', 'Bad/Name'], 2, /lowercase/],
      [['tag', 'busybox', 'x:-bad'], 2, /bad tag "-bad"/],
      [['rmi', 'nosuch'], 3, /no image "nosuch"/],
      [['load', '-i', join(tmp, 'junk.tar')], 2, /not a readable tar|neither/],
      [['load', '-i', join(tmp, 'missing.tar')], 3, /no archive/],
      [['import', join(tmp, 'junk.tar'), 'junk'], 2, /corrupted|tar/],
      [['save', '--format', 'zip', 'busybox', '-o', join(tmp, 'z')], 2, /"zip" is not docker or oci/],
      [['images', '--storage-driver', 'zfs'], 2, /storage driver "zfs" is not one of overlay, vfs/],
      [['mount', 'busybox', join(tmp, 'x'), '--storage-driver', 'zfs'], 2, /storage driver "zfs"/],
    ];
    for (const [args, status, message] of cases) {
      const r = tsnetRoot(root(), args);
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      const text = status === 0 ? r.stdout : r.stderr;
      assert.match(text, message, args.join(' '));
      if (status !== 0) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(t(['images', '--json']), before);
    assert.deepEqual(fs.readdirSync(join(root(), 'blobs', 'tmp')), []);
  });
});
