/**
 * request-io — a served command's stdout, stderr and stdin, carried as frames over the
 * client's connection (protocol.ts). They look like a terminal when the client's were
 * (isTTY, columns), so output is the same as in a process of its own. Writes honour the
 * socket's backpressure (an image saved to a slow pipe does not pile up in the daemon);
 * once the client is gone they are dropped and stdin reads end, but the command runs on to
 * its end: a disconnect never stops an operation half-way.
 */
import { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { encodeFrame, FRAME } from './protocol.js';

/** ClientLink — the connection as the streams see it: frames out, "is the client still there". */
export interface ClientLink {
  socket: Socket;
  gone(): boolean;
}

export class ClientOutput extends Writable {
  readonly isTTY: boolean;
  readonly columns: number | undefined;
  readonly rows: number | undefined;
  /** Whether the command wrote anything (after that, it can no longer be handed back). */
  wrote = false;

  constructor(private readonly link: ClientLink, private readonly type: number, tty: { isTTY: boolean; columns: number; rows: number }) {
    super({ decodeStrings: true });
    this.isTTY = tty.isTTY;
    this.columns = tty.isTTY && tty.columns > 0 ? tty.columns : undefined;
    this.rows = tty.isTTY && tty.rows > 0 ? tty.rows : undefined;
    this.on('error', () => undefined); // a write after the end is dropped, never fatal to the daemon
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const { socket } = this.link;
    if (chunk.length > 0) this.wrote = true;
    if (this.link.gone() || chunk.length === 0) { done(); return; }
    if (socket.write(encodeFrame(this.type, chunk))) { done(); return; }
    // The client reads slower than the command writes: wait until it catches up (or leaves).
    const resume = (): void => { socket.off('drain', resume); socket.off('close', resume); done(); };
    socket.on('drain', resume);
    socket.on('close', resume);
  }

  /** flushed — resolves once every write so far is on the socket (before the exit frame goes). */
  flushed(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => { if (this.writableLength === 0 || this.link.gone()) resolve(); else setImmediate(check); };
      check();
    });
  }
}

/** ClientInput — stdin, asked from the client one read at a time, only when the command reads. */
export class ClientInput extends Readable {
  readonly isTTY: boolean;
  private asked = false;
  private ended = false;

  constructor(private readonly link: ClientLink, isTTY: boolean) {
    super();
    this.isTTY = isTTY;
    this.on('error', () => undefined);
  }

  override _read(): void {
    if (this.ended || this.link.gone()) { this.end(); return; }
    if (this.asked) return;
    this.asked = true;
    this.link.socket.write(encodeFrame(FRAME.wantStdin));
  }

  /** received — an 'I' frame: bytes, or EOF when empty. */
  received(chunk: Buffer): void {
    this.asked = false;
    if (chunk.length === 0) this.end();
    else this.push(Buffer.from(chunk));
  }

  /** end — EOF (the client sent it, or left). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }
}
