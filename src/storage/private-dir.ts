/**
 * private-dir — a directory only its owner (root) can enter: mode 0700, owned by us,
 * checked through an fd opened without following a symlink. Image content holds setuid
 * binaries and device nodes; under such a directory no other user can reach them, which
 * is how Docker keeps /var/lib/docker's layers and container rootfs out of users' hands.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { invalid } from '../core/errors.js';
import { AT_FDCWD, ELOOP, ENOTDIR, O_DIR, at, errnoError } from './at.js';

/** privateDir — makes `path` (parents as usual) or takes over an existing directory: 0700, ours. */
export function privateDir(path: string): void {
  fs.mkdirSync(dirname(path), { recursive: true });
  try {
    fs.mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const fd = at.tryOpen(AT_FDCWD, path, O_DIR);
  if (fd === -ELOOP || fd === -ENOTDIR) throw invalid(`${path} is not a directory (a symlink or a file); give a directory`);
  if (fd < 0) throw errnoError(-fd, `open ${path}`);
  try {
    fs.fchownSync(fd, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    fs.fchmodSync(fd, 0o700);
  } finally {
    fs.closeSync(fd);
  }
}
