/**
 * content-store — blobs by sha256 under ROOT/blobs/sha256/<hex>. Every write goes to a
 * temp file and is renamed into place only after its digest (and size, when known)
 * matched, so a truncated or corrupted download never becomes a blob: the store only
 * ever holds content that is what its name says.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import { tempName } from '../storage/temp-name.js';
import { hexOf } from './digest.js';

export class ContentStore {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.dir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'blobs', 'tmp');
  }

  path(digest: string): string { return join(this.dir, hexOf(digest)); }
  has(digest: string): boolean { return fs.existsSync(this.path(digest)); }

  read(digest: string): Buffer {
    try {
      return fs.readFileSync(this.path(digest));
    } catch {
      throw new TsnetError('ENOTFOUND', `blob ${digest} is not in the content store`);
    }
  }

  size(digest: string): number { return fs.statSync(this.path(digest)).size; }

  /** put — stores a buffer (configs, manifests) and returns its digest. */
  put(data: Buffer, expected?: string): string {
    const w = this.writer(expected, data.length);
    w.write(data);
    return w.commit();
  }

  /** writer — a temp file that becomes a blob on commit() if the digest matches. */
  writer(expected?: string, expectedSize?: number): BlobWriter {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    return new BlobWriter(this, join(this.tmpDir, tempName('blob')), expected, expectedSize);
  }

  remove(digest: string): void { fs.rmSync(this.path(digest), { force: true }); }
}

/**
 * BlobWriter — also a pass-through stream (tee()): data flowing to the unpacker is hashed
 * and written to the temp file on the way, so a layer is stored and unpacked in one pass.
 */
export class BlobWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private done = false;
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(private readonly store: ContentStore, private readonly tmp: string, private readonly expected?: string, private readonly expectedSize?: number) {
    this.fd = fs.openSync(tmp, 'wx', 0o644);
  }

  write(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  /**
   * tee — a Transform that stores what passes through it. The file writes are positional
   * and run on libuv's thread pool while the chunk already flows on to the unpacker; at
   * most MAX_WRITES are in flight. Call flushed() before commit().
   */
  tee(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        this.hash.update(chunk);
        const position = this.bytes;
        this.bytes += chunk.length;
        const write = writeAt(this.fd, chunk, position).finally(() => this.inflight.delete(write));
        write.catch((e: Error) => { this.failure ??= e; });
        this.inflight.add(write);
        if (this.inflight.size < MAX_WRITES) { cb(null, chunk); return; }
        void Promise.race(this.inflight).then(() => cb(null, chunk), () => cb(this.failure ?? null, chunk));
      },
    });
  }

  /** flushed — every tee() write has reached the file (or the first failure is thrown). */
  async flushed(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    if (this.failure) throw this.failure;
  }

  /** sink — a Writable that stores what is written to it. */
  sink(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) => {
        try { this.write(chunk); cb(); } catch (e) { cb(e as Error); }
      },
    });
  }

  /** commit — verifies and renames into place; returns the digest. Throws (and cleans up) on mismatch. */
  commit(): string {
    this.finish();
    const digest = `sha256:${this.hash.digest('hex')}`;
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      this.abort();
      throw new TsnetError('EINVAL', `blob ${this.expected ?? digest} is ${this.bytes} bytes, expected ${this.expectedSize}: truncated or corrupted`);
    }
    if (this.expected && digest !== this.expected) {
      this.abort();
      throw new TsnetError('EINVAL', `blob ${this.expected} has digest ${digest}: corrupted in transit`);
    }
    fs.renameSync(this.tmp, this.store.path(digest));
    return digest;
  }

  abort(): void {
    this.finish();
    fs.rmSync(this.tmp, { force: true });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    fs.closeSync(this.fd);
  }
}

const MAX_WRITES = 16;

function writeAt(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.write(fd, buf, off, buf.length - off, position + off, (e, n) => {
        if (e) reject(e);
        else if (off + n < buf.length) step(off + n);
        else resolve();
      });
    };
    step(0);
  });
}

/**
 * digestStream — a pass-through that hashes what flows by; digest() once it ended. Past
 * `max` bytes it fails with tooBig() (a layer's decompressed size cap).
 */
export function digestStream(max = Infinity, tooBig?: () => Error): Transform & { digest(): string; bytes: number } {
  const h = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      t.bytes += chunk.length;
      if (t.bytes > max) { cb(tooBig?.() ?? new TsnetError('EINVAL', `stream larger than ${max} bytes`)); return; }
      h.update(chunk);
      cb(null, chunk);
    },
  }) as Transform & { digest(): string; bytes: number };
  t.bytes = 0;
  let d: string | undefined;
  t.digest = () => (d ??= `sha256:${h.digest('hex')}`);
  return t;
}
