/**
 * tar-header — one 512-byte tar header block and pax records, decoded as Go's archive/tar
 * (and so Docker's and containerd's unpackers) reads them. Pure. ustar, GNU and v7
 * headers; octal or base-256 numbers; the checksum taken as an unsigned or a signed sum;
 * pax path/linkpath/size/uid/gid/mtime override the block, SCHILY.xattr.* values are kept
 * as raw bytes (a UTF-8 decode would mangle security.capability).
 * @pure
 */

export type TarType = 'file' | 'contiguous-file' | 'link' | 'symlink' | 'character-device' | 'block-device'
  | 'directory' | 'fifo' | 'pax-header' | 'pax-global-header' | 'gnu-long-path' | 'gnu-long-link-path' | `unknown (${string})`;

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkname: string | null;
  devmajor: number;
  devminor: number;
}

export const BLOCK = 512;

const TYPES: Record<string, TarType> = {
  '0': 'file', '\0': 'file', '7': 'contiguous-file', '1': 'link', '2': 'symlink', '3': 'character-device',
  '4': 'block-device', '5': 'directory', '6': 'fifo', x: 'pax-header', g: 'pax-global-header',
  L: 'gnu-long-path', K: 'gnu-long-link-path',
};

/** cString — the bytes up to the first NUL of a field, as UTF-8. */
function cString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** numeric — an octal field (space/NUL padded) or a base-256 one (high bit set); -1 when invalid. */
function numeric(b: Buffer, off: number, len: number): number {
  const end = off + len;
  let n = 0;
  if (b[off]! & 0x80) {
    if (b[off] !== 0x80) return -1; // negative base-256: no size, id or time is
    for (let i = off + 1; i < end; i++) n = n * 256 + b[i]!;
    return Number.isSafeInteger(n) ? n : -1;
  }
  let i = off;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    n = n * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (b[i] !== 0x20 && b[i] !== 0) return -1;
  return Number.isSafeInteger(n) ? n : -1;
}

function checksumOk(b: Buffer): boolean {
  const want = numeric(b, 148, 8);
  let unsigned = 8 * 32;
  let signed = 8 * 32;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += b[i]!;
    signed += (b[i]! << 24) >> 24;
  }
  return want === unsigned || want === signed;
}

/** isZeroBlock — the end-of-archive marker. */
export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** decodeHeader — the header in a 512-byte block (not a zero block); throws on a bad one. */
export function decodeHeader(b: Buffer): TarHeader {
  if (!checksumOk(b)) throw new Error('invalid tar header (bad checksum): corrupted, or not a tar');
  const flag = String.fromCharCode(b[156]!);
  let name = cString(b, 0, 100);
  const magic = b.toString('latin1', 257, 263);
  // POSIX ustar has a name prefix; GNU ("ustar  ") keeps other fields there.
  if (magic === 'ustar\0' && b[345] !== 0) name = `${cString(b, 345, 155)}/${name}`;
  let type = TYPES[flag] ?? (`unknown (${JSON.stringify(flag)})` as TarType);
  // Pre-POSIX tars ("\0" type) mark directories with a trailing slash only.
  if (flag === '\0' && name.endsWith('/')) type = 'directory';
  const fields = {
    mode: numeric(b, 100, 8), uid: numeric(b, 108, 8), gid: numeric(b, 116, 8), size: numeric(b, 124, 12), mtime: numeric(b, 136, 12),
    devmajor: numeric(b, 329, 8), devminor: numeric(b, 337, 8),
  };
  // Device numbers count only for devices: v7 headers have no such fields, and Go ignores them elsewhere.
  const device = type === 'character-device' || type === 'block-device';
  for (const [k, v] of Object.entries(fields)) {
    if (v < 0 && (device || (k !== 'devmajor' && k !== 'devminor'))) throw new Error(`invalid tar header for "${name}": bad ${k} field`);
  }
  return {
    name, type, mode: fields.mode, uid: fields.uid, gid: fields.gid, size: fields.size, mtime: new Date(fields.mtime * 1000),
    linkname: b[157] === 0 ? null : cString(b, 157, 100),
    devmajor: device ? fields.devmajor : 0, devminor: device ? fields.devminor : 0,
  };
}

export interface PaxRecords { fields: Map<string, string>; xattrs: Map<string, Buffer> }

const XATTR_PREFIX = 'SCHILY.xattr.';

/** paxRecords — "len key=value\n" records, bytewise; xattr values kept raw. Throws on a malformed record. */
export function paxRecords(buf: Buffer): PaxRecords {
  const fields = new Map<string, string>();
  const xattrs = new Map<string, Buffer>();
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // NUL padding after the last record
    const sp = buf.indexOf(0x20, off);
    const len = sp < 0 ? NaN : Number(buf.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > buf.length || buf[off + len - 1] !== 0x0a) throw new Error('invalid pax header record');
    const rec = buf.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new Error('invalid pax header record');
    const key = rec.toString('utf8', 0, eq);
    if (key.startsWith(XATTR_PREFIX)) xattrs.set(key.slice(XATTR_PREFIX.length), Buffer.from(rec.subarray(eq + 1)));
    else fields.set(key, rec.toString('utf8', eq + 1));
    off += len;
  }
  return { fields, xattrs };
}

/** applyPax — the per-file pax fields Go's reader honours, over the block's own. */
export function applyPax(h: TarHeader, fields: Map<string, string>): void {
  const int = (k: string): number | undefined => {
    const v = fields.get(k);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Error(`invalid pax ${k} "${v}" for "${h.name}"`);
    return Number(v);
  };
  const path = fields.get('path');
  if (path !== undefined) h.name = path;
  const link = fields.get('linkpath');
  if (link !== undefined) h.linkname = link;
  h.size = int('size') ?? h.size;
  h.uid = int('uid') ?? h.uid;
  h.gid = int('gid') ?? h.gid;
  const mtime = fields.get('mtime');
  if (mtime !== undefined) {
    if (!/^-?\d+(\.\d+)?$/.test(mtime)) throw new Error(`invalid pax mtime "${mtime}" for "${h.name}"`);
    h.mtime = new Date(Math.floor(Number(mtime) * 1000));
  }
}
