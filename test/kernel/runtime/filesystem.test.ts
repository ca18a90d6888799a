/**
 * Kernel tests of a container's filesystem seen from the host: rootfs under a root-only
 * (0700) directory; export gives the container's files (changes and deletions included,
 * none of its mounts); commit makes an image whose containers see the changes; cp copies
 * both ways (and as a tar on stdout), keeps a container's symlinks as symlinks, and a
 * symlink a container planted never leads a copy out of it; hostile images whose links
 * point mount targets (/etc files, volumes, tmpfs, the workdir, /dev, /sys) out of the
 * rootfs never get tsnet-init to mount or make anything outside it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootSkip } from '../../helpers/netns';
import { ok, TSNET_BIN } from '../../helpers/tsnet';
import { gnuTar } from '../../helpers/tree';
import { busyboxRootfs } from '../../helpers/busybox';
import { ContainerHost } from '../../helpers/containers';

describe('container filesystems from the host', { skip: rootSkip }, () => {
  let h: ContainerHost;
  before(() => {
    h = new ContainerHost('nsenter');
    ok(h.cli(['run', '--name', 'box', '--network', 'none', 'busybox', 'sh', '-c',
      'echo changed > /etc/motd && rm /bin/vi && mkdir -p /srv/data && echo x > /srv/data/f && ln -s /etc/passwd /srv/link && ln -s / /srv/evil']));
  });
  after(() => h?.cleanup());

  /** image — NAME:test, a busybox rootfs that `change` made hostile, imported. */
  const image = (name: string, change: (dir: string) => void): string => {
    const work = h.t.tmpdir();
    const dir = join(work, name);
    mkdirSync(dir);
    busyboxRootfs(dir);
    change(dir);
    gnuTar(dir, join(work, `${name}.tar`));
    ok(h.cli(['import', join(work, `${name}.tar`), `${name}:test`]));
    return `${name}:test`;
  };

  test('rootfs under a 0700 directory; export has the changes and no mounts', () => {
    assert.equal(statSync(join(h.root, 'containers')).mode & 0o777, 0o700);
    const tar = join(h.t.tmpdir(), 'box.tar');
    ok(h.cli(['export', 'box', '-o', tar]));
    const list = spawnSync('tar', ['-tvf', tar], { encoding: 'utf8' }).stdout;
    assert.match(list, /etc\/motd/);
    assert.match(list, /srv\/link -> \/etc\/passwd/);
    assert.doesNotMatch(list, / bin\/vi$/m, 'a deleted file is not exported');
    assert.doesNotMatch(list, /proc\/self|proc\/1\//, 'no mount of the container is walked');
  });

  test('commit: an image with the changes', () => {
    const id = ok(h.cli(['commit', '-m', 'test', 'box', 'boxed:v1'])).stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const r = ok(h.cli(['run', '--rm', '--network', 'none', 'boxed:v1', 'sh', '-c', 'cat /etc/motd; cat /srv/data/f; ls /bin/vi 2>&1 || true']));
    assert.match(r.stdout, /^changed\nx\n.*No such file/s);
    assert.match(ok(h.cli(['images'])).stdout, /boxed\s+v1/);
  });

  test('cp both ways; symlinks stay symlinks; a planted symlink never leads out', () => {
    const out = h.t.tmpdir();
    ok(h.cli(['cp', 'box:/srv', out]));
    assert.equal(readFileSync(join(out, 'srv/data/f'), 'utf8'), 'x\n');
    assert.ok(lstatSync(join(out, 'srv/link')).isSymbolicLink());
    assert.equal(readlinkSync(join(out, 'srv/link')), '/etc/passwd');
    const src = h.t.tmpdir();
    writeFileSync(join(src, 'in.txt'), 'from host\n');
    mkdirSync(join(src, 'tree/deep'), { recursive: true });
    writeFileSync(join(src, 'tree/deep/leaf'), 'leaf\n');
    ok(h.cli(['cp', join(src, 'in.txt'), 'box:/srv/data/']));
    ok(h.cli(['cp', join(src, 'tree'), 'box:/srv/copied']));
    // /srv/evil -> / inside the container: the copy lands in the container's root, not the host's.
    const sentinel = `tsnet-cp-escape-${process.pid}`;
    writeFileSync(join(src, sentinel), 'no\n');
    ok(h.cli(['cp', join(src, sentinel), 'box:/srv/evil/']));
    assert.ok(!existsSync(`/${sentinel}`), 'nothing was written to the host\'s /');
    const tar = spawnSync(TSNET_BIN, ['cp', '--root', h.root, 'box:/srv/data/in.txt', '-'], { encoding: 'latin1' });
    assert.equal(tar.status, 0, tar.stderr);
    assert.match(tar.stdout, /from host/);
    const back = h.t.tmpdir();
    ok(h.cli(['cp', `box:/${sentinel}`, back]));
    ok(h.cli(['cp', 'box:/srv/copied/deep/leaf', join(back, 'leaf')]));
    assert.equal(readFileSync(join(back, 'leaf'), 'utf8'), 'leaf\n');
    assert.equal(readFileSync(join(back, sentinel), 'utf8'), 'no\n', 'it landed in the container\'s own root');
  });

  test('a hostile image: /etc/hosts symlinked out of the rootfs lands inside it; a symlinked /proc is refused', () => {
    const escape = `/tmp/tsnet-escape-${process.pid}`;
    image('links', (d) => symlinkSync(`/../../../..${escape}`, join(d, 'etc/hosts')));
    const r = ok(h.cli(['run', '--rm', '--network', 'none', 'links:test', 'cat', escape]));
    assert.match(r.stdout, /localhost/, 'the generated hosts file is bound where the link points inside the container');
    assert.ok(!existsSync(escape), 'nothing was made on the host');
    image('badproc', (d) => { rmSync(join(d, 'proc'), { recursive: true }); symlinkSync('/etc', join(d, 'proc')); });
    const bad = h.cli(['run', '--rm', '--network', 'none', 'badproc:test', 'true']);
    assert.equal(bad.status, 125, bad.stderr);
    assert.match(bad.stderr, /^tsnet: error: .*\/proc.*\n$/);
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length, 1, 'only box is left');
  });

  test('a hostile image: volume, tmpfs and workdir targets linked out of the rootfs land inside it; /dev, /sys, magic links and a file for /etc are refused', () => {
    const esc = `/tmp/tsnet-escape-${process.pid}`;
    const vol = h.t.tmpdir();
    writeFileSync(join(vol, 'f'), 'volume\n');
    const targets = image('targets', (d) => {
      symlinkSync(`/../../../..${esc}-vol`, join(d, 'data'));
      symlinkSync(`../../../..${esc}-tmp`, join(d, 'scratch'));
      symlinkSync(`/../../..${esc}-wd`, join(d, 'wd'));
    });
    const r = ok(h.cli(['run', '--rm', '--network', 'none', '-v', `${vol}:/data`, '--tmpfs', '/scratch', '-w', '/wd', targets, 'sh', '-c',
      `pwd; cat /data/f; grep -c ' ${esc}-' /proc/self/mountinfo`]));
    assert.equal(r.stdout, `${esc}-wd\nvolume\n2\n`, 'all three made and mounted inside the container, where the links point there');
    for (const s of ['vol', 'tmp', 'wd']) assert.ok(!existsSync(`${esc}-${s}`), `nothing made on the host for ${s}`);
    const refused: Array<[string, (d: string) => void, RegExp]> = [
      ['devlink', (d) => { rmSync(join(d, 'dev'), { recursive: true }); symlinkSync('/', join(d, 'dev')); }, /\/dev in the container/],
      ['syslink', (d) => { rmSync(join(d, 'sys'), { recursive: true }); symlinkSync('/etc', join(d, 'sys')); }, /\/sys in the container/],
      ['magic', (d) => symlinkSync('/proc/self/root/etc/shadow', join(d, 'etc/hosts')), /\/etc\/hosts in the container/],
      ['etcfile', (d) => { rmSync(join(d, 'etc'), { recursive: true }); writeFileSync(join(d, 'etc'), 'not a dir\n'); }, /\/etc\/\S+ in the container.*Not a directory/],
    ];
    for (const [name, change, msg] of refused) {
      const bad = h.cli(['run', '--rm', '--network', 'none', image(name, change), 'true']);
      assert.equal(bad.status, 125, `${name}: ${bad.stderr}`);
      assert.match(bad.stderr, msg);
      assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1, `${name}: one line`);
    }
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length, 1, 'only box is left');
    assert.deepEqual(h.leftovers().filter((l) => !l.startsWith('container dir')), []);
  });
});
