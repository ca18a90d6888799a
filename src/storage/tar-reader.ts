/**
 * tar-reader — tar-stream's extractor, iterated entry by entry, with pax xattrs kept as
 * raw bytes. tar-stream decodes pax values as UTF-8, which mangles binary values such as
 * security.capability (deps.md §8); here the pax block is re-read bytewise.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Header } from 'tar-stream';

export interface TarEntry {
  header: Header;
  /** SCHILY.xattr.* from the entry's pax header, name → raw value. */
  xattrs: Map<string, Buffer>;
  body: Readable;
}

const XATTR_PREFIX = 'SCHILY.xattr.';
const RAW = Symbol('tsnet.rawXattrs');

/** paxXattrs — "len key=value\n" records, bytewise; only SCHILY.xattr.* kept. */
export function paxXattrs(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number.parseInt(buf.toString('latin1', off, sp), 10);
    if (!(len > 0) || off + len > buf.length) break;
    const rec = buf.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq > 0) {
      const key = rec.toString('utf8', 0, eq);
      if (key.startsWith(XATTR_PREFIX)) out.set(key.slice(XATTR_PREFIX.length), Buffer.from(rec.subarray(eq + 1)));
    }
    off += len;
  }
  return out;
}

/** readTar — yields each entry of the (uncompressed) tar stream; the caller must consume
 * or resume each body before asking for the next. Errors of the source end the iteration. */
export async function* readTar(source: Readable): AsyncGenerator<TarEntry> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { extract } = require('tar-stream') as typeof import('tar-stream');
  const ex = extract();
  const internal = ex as unknown as {
    _decodeLongHeader(buf: Buffer): void; _header: { type: string }; _pax: Record<string | symbol, unknown> | null;
    _final(cb: (e?: Error | null) => void): void; _stream: unknown; _longHeader: boolean; _missing: number; _buffer: { buffered: number };
  };
  // A stream that stops right after an entry's data, with neither its padding nor the
  // end-of-archive blocks, is a whole archive to Go's archive/tar, so to Docker and
  // containerd; `umoci insert` (0.4) writes such layers. Only padding may be missing:
  // a stream cut inside a header or a body is still "Unexpected end of data".
  const final = internal._final.bind(ex);
  internal._final = (cb) => {
    if (internal._stream === null && !internal._longHeader && internal._buffer.buffered === 0 && internal._missing < 512) internal._missing = 0;
    final(cb);
  };
  const decode = internal._decodeLongHeader.bind(ex);
  internal._decodeLongHeader = (buf: Buffer) => {
    decode(buf);
    if (internal._header.type === 'pax-header' && internal._pax) internal._pax[RAW] = paxXattrs(buf);
  };
  const piped = pipeline(source, ex);
  let failure: unknown;
  piped.catch((e: unknown) => { failure = e; });
  try {
    for await (const body of ex) {
      const entry = body as unknown as Readable & { header: Header };
      const pax = entry.header.pax as (Record<string | symbol, unknown> | undefined);
      yield { header: entry.header, xattrs: (pax?.[RAW] as Map<string, Buffer> | undefined) ?? new Map(), body: entry };
    }
    await piped;
  } catch (e) {
    throw failure ?? e;
  } finally {
    source.destroy();
  }
}
