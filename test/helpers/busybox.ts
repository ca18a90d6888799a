/**
 * busybox — the small base image for tests, demos and the bench, built offline from
 * Debian's busybox-static: /bin/busybox plus one symlink per applet (from
 * `busybox --list-full`), a few empty system dirs, tarred by GNU tar.
 */
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gnuTar } from './tree.js';

export const BUSYBOX_BIN = '/bin/busybox';

/** busyboxRootfs — fills dir with the busybox rootfs. */
export function busyboxRootfs(dir: string): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'tmp', 'root']) fs.mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  fs.chmodSync(join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX_BIN, join(dir, 'bin/busybox'));
  fs.chmodSync(join(dir, 'bin/busybox'), 0o755);
  const list = spawnSync(BUSYBOX_BIN, ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of list) {
    const p = join(dir, applet);
    if (applet === 'bin/busybox' || fs.existsSync(p)) continue;
    fs.mkdirSync(dirname(p), { recursive: true });
    fs.symlinkSync(relative(dirname(p), join(dir, 'bin/busybox')), p);
  }
  fs.writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** busyboxTar — writes the busybox rootfs tar to `out`, using `work` as scratch. */
export function busyboxTar(work: string, out: string): void {
  const dir = join(work, 'busybox-rootfs');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  busyboxRootfs(dir);
  gnuTar(dir, out);
  fs.rmSync(dir, { recursive: true, force: true });
}
