/**
 * remove-tree — deletes a directory tree of any depth, iteratively, by fd: no recursion
 * (Node's rmSync recursive overflows the stack on a very deep tree, after which callers
 * had already dropped the rows naming it), no path longer than one name (a deep tree's
 * paths exceed PATH_MAX), and never a symlink followed (unlinkat removes the link itself).
 * At most MAX_OPEN fds are held; deeper ancestors are reopened through ".." on the way up.
 */
import * as fs from 'node:fs';
import { basename, dirname } from 'node:path';
import { AT_FDCWD, EISDIR, ENOENT, O_DIR, at, errnoError } from './at.js';

const MAX_OPEN = 64;

interface Frame { fd: number; name: string; left: string[] }

/** removeTree — removes `name` in dirfd (file, symlink or directory tree); missing is fine. */
export function removeTree(dirfd: number, name: string): void {
  const rc = at.tryUnlink(dirfd, name, false);
  if (rc >= 0 || rc === -ENOENT) return;
  if (rc !== -EISDIR) throw errnoError(-rc, `remove ${name}`);
  const stack: Frame[] = [frame(dirfd, name)];
  try {
    walk(dirfd, stack);
  } finally {
    for (const f of stack) if (f.fd >= 0) fs.closeSync(f.fd);
  }
}

/** walk — empties and removes the frames' directories, deepest first. */
function walk(dirfd: number, stack: Frame[]): void {
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.left.pop();
    if (child !== undefined) {
      const r = at.tryUnlink(top.fd, child, false);
      if (r === -EISDIR) {
        stack.push(frame(top.fd, child));
        const far = stack[stack.length - 1 - MAX_OPEN];
        if (far && far.fd >= 0) { fs.closeSync(far.fd); far.fd = -1; }
      } else if (r < 0 && r !== -ENOENT) {
        throw errnoError(-r, `remove ${child}`);
      }
      continue;
    }
    stack.pop();
    const parent = stack[stack.length - 1];
    let parentFd = parent ? parent.fd : dirfd;
    if (parent && parentFd < 0) parentFd = parent.fd = at.open(top.fd, '..', O_DIR);
    fs.closeSync(top.fd);
    const r = at.tryUnlink(parentFd, top.name, true);
    if (r < 0 && r !== -ENOENT) throw errnoError(-r, `remove directory ${top.name}`);
  }
}

function frame(dirfd: number, name: string): Frame {
  const fd = at.open(dirfd, name, O_DIR);
  try {
    return { fd, name, left: fs.readdirSync(`/proc/self/fd/${fd}`) };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** removePath — removeTree on an absolute path of tsnet's own (its parent is trusted). */
export function removePath(path: string): void {
  const parent = at.tryOpen(AT_FDCWD, dirname(path), O_DIR);
  if (parent === -ENOENT) return;
  if (parent < 0) throw errnoError(-parent, `open ${dirname(path)}`);
  try {
    removeTree(parent, basename(path));
  } finally {
    fs.closeSync(parent);
  }
}
