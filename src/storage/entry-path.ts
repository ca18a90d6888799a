/**
 * entry-path — the names inside a layer tar, made safe before anything touches the disk.
 * Pure. A layer is hostile input: an absolute name or a ".." component could write outside
 * the layer directory, so both are refused rather than rewritten.
 */
import { invalid } from '../core/errors.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** entryPath — "./usr/bin/" → "usr/bin"; "" for the root itself. */
export function entryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw invalid(`layer ${what} "${name}" contains a NUL byte`);
  if (name.startsWith('/')) throw invalid(`layer ${what} "${name}" is an absolute path; refusing a layer that writes outside its directory`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`layer ${what} "${name}" has a ".." component; refusing a layer that writes outside its directory`);
  return parts.join('/');
}

export type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'file'; path: string } | undefined;

/** whiteoutOf — what a ".wh." entry deletes: one name, or a directory's lower contents. */
export function whiteoutOf(path: string): Whiteout {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw invalid(`layer whiteout "${path}" names nothing`);
  return { kind: 'file', path: dir ? `${dir}/${name}` : name };
}
