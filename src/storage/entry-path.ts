/**
 * entry-path — the names inside a layer tar, cleaned before anything touches the disk, as
 * Docker's and containerd's unpackers clean them: "./usr/bin/", "/usr/bin" and
 * "usr//bin/." all name usr/bin inside the rootfs, and "/", "." or "./" name the rootfs
 * itself (tools such as umoci write such an entry for the root directory's metadata).
 * Pure. A ".." is resolved lexically; one that would climb above the rootfs is refused,
 * never clamped, since no honest layer writes such a name.
 * @pure
 */
import { invalid } from '../core/errors.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** entryPath — "./usr/bin/" or "/usr/bin" → "usr/bin"; "" for the root itself. */
export function entryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw invalid(`layer ${what} "${name}" contains a NUL byte`);
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p !== '..') { parts.push(p); continue; }
    if (parts.length === 0) throw invalid(`layer ${what} "${name}" climbs out of the rootfs with ".."; refusing a layer that writes outside its directory`);
    parts.pop();
  }
  return parts.join('/');
}

/** parentOf — "a/b/c" → "a/b"; "" for a name in the root. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** baseOf — "a/b/c" → "c". */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** joinPath — "a/b" + "c"; the root is "". */
export function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

export type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'file'; path: string } | undefined;

/** whiteoutOf — what a ".wh." entry deletes: one name, or a directory's lower contents. */
export function whiteoutOf(path: string): Whiteout {
  const dir = parentOf(path);
  const base = baseOf(path);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw invalid(`layer whiteout "${path}" names nothing`);
  return { kind: 'file', path: joinPath(dir, name) };
}
