/**
 * tar-parser — a push parser for layer tars: bytes go in with push(), members come out as
 * synchronous calls to a handler (header, body chunks, end), with no stream per member.
 * A layer of thousands of small files is unpacked without a promise or an event per file,
 * and a body chunk is a view of the input chunk, never a copy. Pure (no I/O of its own).
 * Reads what Go's archive/tar reads: pax and GNU long-name members apply to the next
 * member, pax global headers are ignored (Docker and containerd ignore them too), link,
 * directory, device and FIFO members carry no data whatever their size field says, and
 * the archive ends at two zero blocks, or at the end of a member's data even without its
 * padding or the zero blocks (`umoci insert` 0.4 writes such layers). A stream cut inside
 * a header or a member's data is an error.
 * @pure
 */
import { BLOCK, applyPax, decodeHeader, isZeroBlock, paxRecords, type PaxRecords, type TarHeader } from './tar-header.js';

export interface TarHandler {
  /** entry — a member (long names and pax applied); its data follows through data(). */
  entry(h: TarHeader, xattrs: Map<string, Buffer>): void;
  /** data — the next piece of the current member's data (a view of the pushed chunk). */
  data(chunk: Buffer): void;
  /** entryEnd — the current member's data is complete. */
  entryEnd(): void;
}

/** Pax and GNU long-name members are held in memory: this much at most (as tar-stream). */
const MAX_META = 4 << 20;

const HEADER_ONLY = new Set(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

type State = 'header' | 'data' | 'skip' | 'meta' | 'eof' | 'done';

export class TarParser {
  private state: State = 'header';
  private readonly block = Buffer.alloc(BLOCK);
  private fill = 0;
  /** Bytes left in the current member's data, padding or meta member. */
  private left = 0;
  private padding = 0;
  private meta: { type: string; buf: Buffer; fill: number } | undefined;
  private pax: PaxRecords | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(private readonly handler: TarHandler) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const avail = chunk.length - off;
      switch (this.state) {
        case 'header': case 'eof': {
          let blk: Buffer;
          if (this.fill === 0 && avail >= BLOCK) {
            blk = chunk.subarray(off, off + BLOCK);
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.fill, avail);
            chunk.copy(this.block, this.fill, off, off + n);
            this.fill += n;
            off += n;
            if (this.fill < BLOCK) continue;
            blk = this.block;
          }
          this.fill = 0;
          this.onBlock(blk);
          break;
        }
        case 'data': {
          const n = Math.min(this.left, avail);
          this.left -= n;
          this.handler.data(chunk.subarray(off, off + n));
          off += n;
          if (this.left === 0) this.endData();
          break;
        }
        case 'skip': {
          const n = Math.min(this.left, avail);
          this.left -= n;
          off += n;
          if (this.left === 0) this.state = 'header';
          break;
        }
        case 'meta': {
          const m = this.meta!;
          const n = Math.min(this.left, avail);
          chunk.copy(m.buf, m.fill, off, off + n);
          m.fill += n;
          this.left -= n;
          off += n;
          if (this.left === 0) this.endMeta();
          break;
        }
        case 'done':
          return; // whatever follows the end-of-archive blocks is not read (as Go's reader)
      }
    }
  }

  /** end — the input is over: throws unless the archive was whole. */
  end(): void {
    const whole = (this.state === 'header' && this.fill === 0) || this.state === 'done'
      || (this.state === 'eof' && this.fill === 0) || this.state === 'skip';
    if (!whole) throw new Error('unexpected end of data: the tar is truncated');
    if (this.pax || this.longName !== undefined || this.longLink !== undefined) throw new Error('unexpected end of data: a long name or pax member is not followed by its member');
    this.state = 'done';
  }

  private onBlock(blk: Buffer): void {
    if (this.state === 'eof') {
      if (!isZeroBlock(blk)) throw new Error('invalid tar: a single zero block in the middle of the archive');
      this.state = 'done';
      return;
    }
    if (isZeroBlock(blk)) { this.state = 'eof'; return; }
    const h = decodeHeader(blk);
    switch (h.type) {
      case 'pax-header': case 'pax-global-header': case 'gnu-long-path': case 'gnu-long-link-path':
        if (h.size > MAX_META) throw new Error(`tar ${h.type} member of ${h.size} bytes is larger than ${MAX_META}`);
        this.meta = { type: h.type, buf: Buffer.alloc(h.size), fill: 0 };
        this.padding = padOf(h.size);
        this.left = h.size;
        if (h.size === 0) this.endMeta();
        else this.state = 'meta';
        return;
    }
    if (this.longName !== undefined) h.name = this.longName;
    if (this.longLink !== undefined) h.linkname = this.longLink;
    const xattrs = this.pax?.xattrs ?? new Map<string, Buffer>();
    if (this.pax) applyPax(h, this.pax.fields);
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    if (HEADER_ONLY.has(h.type)) h.size = 0;
    this.handler.entry(h, xattrs);
    this.left = h.size;
    this.padding = padOf(h.size);
    if (h.size === 0) this.endData();
    else this.state = 'data';
  }

  private endData(): void {
    this.handler.entryEnd();
    this.skipPadding();
  }

  private endMeta(): void {
    const m = this.meta!;
    this.meta = undefined;
    if (m.type === 'pax-header') this.pax = paxRecords(m.buf);
    else if (m.type === 'gnu-long-path') this.longName = cut(m.buf);
    else if (m.type === 'gnu-long-link-path') this.longLink = cut(m.buf);
    this.skipPadding();
  }

  private skipPadding(): void {
    this.left = this.padding;
    this.state = this.left === 0 ? 'header' : 'skip';
  }
}

function padOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** cut — a GNU long name: the bytes before the first NUL. */
function cut(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.toString('utf8', 0, nul < 0 ? buf.length : nul);
}
