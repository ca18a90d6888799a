/**
 * protocol — the bytes between the client (native/client/tsnet.c) and the daemon over the
 * unix socket. Pure: framing and the hello, no sockets. Every message is a frame:
 *
 *   type (1 byte) | payload length (4 bytes, big-endian) | payload
 *
 * client → daemon: 'H' hello (first, once), 'I' stdin bytes (empty = EOF), 'S' a signal
 * the client received (payload: its name, "SIGINT").
 * daemon → client: 'O' stdout bytes, 'E' stderr bytes, 'W' "read your stdin once and send
 * it" (stdin is read only when the command reads it, so `while read ...; do tsnet ...`
 * keeps its input), 'X' exit status (1 byte), 'F' "run the command yourself" (payload: why;
 * sent before any output, so falling back is safe).
 *
 * The hello is NUL-terminated strings: protocol, program name, cwd, the client's netns
 * ("dev:ino" of /proc/self/ns/net), tty flags for stdin/stdout/stderr ("010"), terminal size
 * ("cols rows"), argc, argv..., then "NAME=value" environment entries to the end.
 * Changing any of this needs PROTOCOL bumped: an older client then falls back.
 * @pure
 */
export const PROTOCOL = 'tsnet-daemon/1';

export const FRAME = {
  hello: 0x48, // H
  stdin: 0x49, // I
  signal: 0x53, // S
  stdout: 0x4f, // O
  stderr: 0x45, // E
  wantStdin: 0x57, // W
  exit: 0x58, // X
  fallback: 0x46, // F
} as const;

/** The largest frame either side accepts: a hello with a big environment, or one read's worth of data. */
export const MAX_FRAME = 1 << 20;

export interface Frame {
  type: number;
  payload: Buffer;
}

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** FrameReader — reassembles frames from a byte stream; a frame over MAX_FRAME is an error. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (len > MAX_FRAME) throw new Error(`frame of ${len} bytes is over the ${MAX_FRAME}-byte limit`);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf[0]!, payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}

export interface Hello {
  protocol: string;
  prog: string;
  cwd: string;
  /** "dev:ino" of the client's network namespace. */
  netns: string;
  tty: { stdin: boolean; stdout: boolean; stderr: boolean };
  columns: number;
  rows: number;
  argv: string[];
  env: Record<string, string>;
}

export function encodeHello(h: Hello): Buffer {
  const tty = [h.tty.stdin, h.tty.stdout, h.tty.stderr].map((t) => (t ? '1' : '0')).join('');
  const fields = [h.protocol, h.prog, h.cwd, h.netns, tty, `${h.columns} ${h.rows}`, String(h.argv.length), ...h.argv,
    ...Object.entries(h.env).map(([k, v]) => `${k}=${v}`)];
  return Buffer.from(fields.map((f) => `${f}\0`).join(''));
}

/** decodeHello — the hello's fields, checked; throws a one-line reason for anything malformed. */
export function decodeHello(payload: Buffer): Hello {
  const text = payload.toString('utf8');
  if (!text.endsWith('\0')) throw new Error('hello is not NUL-terminated');
  const f = text.slice(0, -1).split('\0');
  if (f.length < 7) throw new Error('hello has too few fields');
  const [protocol, prog, cwd, netns, tty, size, argcText] = f as [string, string, string, string, string, string, string];
  if (!/^[01]{3}$/.test(tty)) throw new Error(`hello: bad tty flags "${tty}"`);
  const sizeMatch = /^(\d{1,5}) (\d{1,5})$/.exec(size);
  if (!sizeMatch) throw new Error(`hello: bad terminal size "${size}"`);
  if (!/^\d{1,6}$/.test(argcText)) throw new Error(`hello: bad argc "${argcText}"`);
  const argc = Number(argcText);
  if (f.length < 7 + argc) throw new Error(`hello: argc ${argc} but only ${f.length - 7} arguments`);
  const env: Record<string, string> = {};
  for (const entry of f.slice(7 + argc)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error('hello: an environment entry without NAME=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return {
    protocol, prog, cwd, netns,
    tty: { stdin: tty[0] === '1', stdout: tty[1] === '1', stderr: tty[2] === '1' },
    columns: Number(sizeMatch[1]), rows: Number(sizeMatch[2]),
    argv: f.slice(7, 7 + argc), env,
  };
}
