/**
 * client — the daemon's protocol from Node: what `tsnet daemon status`, the benchmarks and
 * the tests use to talk to a daemon directly. Users' commands go through the native client
 * (native/client/tsnet.c), which speaks the same frames.
 */
import { connect } from 'node:net';
import { statSync } from 'node:fs';
import { encodeFrame, encodeHello, FRAME, FrameReader, PROTOCOL, type Hello } from './protocol.js';

export interface DaemonReply {
  /** Exit status; undefined when the daemon went away before sending one. */
  status: number | undefined;
  stdout: Buffer;
  stderr: Buffer;
  /** Set when the daemon declined (the caller should run the command itself), with its reason. */
  fallback?: string | undefined;
}

/** helloFor — a hello for argv as this process would send it (its netns, cwd, no terminal). */
export function helloFor(argv: string[], extra: Partial<Hello> = {}): Hello {
  const st = statSync('/proc/self/ns/net');
  return {
    protocol: PROTOCOL, prog: 'tsnet', cwd: process.cwd(), netns: `${st.dev}:${st.ino}`,
    tty: { stdin: false, stdout: false, stderr: false }, columns: 0, rows: 0, argv, env: {}, ...extra,
  };
}

/** callDaemon — one request; rejects only when the socket cannot be reached at all. */
export function callDaemon(socketPath: string, hello: Hello, stdin: Buffer = Buffer.alloc(0)): Promise<DaemonReply> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const reader = new FrameReader();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let status: number | undefined;
    let fallback: string | undefined;
    let unsent = stdin; // 64 KiB at each ask, then an empty frame: EOF
    let connected = false;
    sock.on('connect', () => { connected = true; sock.write(encodeFrame(FRAME.hello, encodeHello(hello))); });
    sock.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === FRAME.stdout) out.push(Buffer.from(f.payload));
        else if (f.type === FRAME.stderr) err.push(Buffer.from(f.payload));
        else if (f.type === FRAME.exit) status = f.payload[0];
        else if (f.type === FRAME.fallback) fallback = f.payload.toString();
        else if (f.type === FRAME.wantStdin) {
          const piece = unsent.subarray(0, 65536);
          unsent = unsent.subarray(piece.length);
          sock.write(encodeFrame(FRAME.stdin, piece));
        }
      }
    });
    sock.on('error', (e) => { if (!connected) reject(e); });
    sock.on('close', () => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err), fallback }));
  });
}
