/**
 * session — one client connection: the hello, the checks that decide whether the daemon
 * serves it (else it tells the client to run the command itself, before any output), then
 * the command in a scope of its own with the client's stdio, env and cwd, and the exit
 * status. Every request is logged with the client's credentials. The command runs to its
 * end whatever the client does: a client killed mid-request leaves a finished operation,
 * not half of one.
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { OwnProcessRequired, type CommandScope, type ForwardedSignal } from '../core/command-scope.js';
import { commandEnv } from './client-env.js';
import type { CwdGate } from './cwd-gate.js';
import type { DaemonLog } from './daemon-log.js';
import { redactArgv } from './daemon-log.js';
import { allowed, peerCred, type PeerCred } from './peer.js';
import { decodeHello, encodeFrame, FRAME, FrameReader, PROTOCOL, type Hello } from './protocol.js';
import { ClientInput, ClientOutput } from './request-io.js';

/** How long a connection may take to send its hello. */
const HELLO_TIMEOUT_MS = 10_000;
const SIGNALS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Program — what a hello's program name runs: returns the exit status; writes to scope.io. */
export type Program = (hello: Hello, scope: CommandScope) => Promise<number>;

export interface SessionHost {
  log: DaemonLog;
  /** "dev:ino" of the daemon's network namespace: commands act there, so clients must be in it. */
  netns: string;
  /** The socket's group (members may use the daemon), if there is one. */
  group: number | undefined;
  gate: CwdGate;
  programs: ReadonlyMap<string, Program>;
  /** Why new requests are not served right now (stopping, installation replaced), if so. */
  refusal(): string | undefined;
}

export async function serveSession(sock: Socket, host: SessionHost): Promise<void> {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  let peer: PeerCred;
  try {
    peer = peerCred(fd ?? -1);
  } catch (e) {
    host.log.write(`connection refused: ${(e as Error).message}`);
    sock.destroy();
    return;
  }
  let gone = false;
  /** Set when the client was given its exit status early (a signal outside any operation). */
  let answered = false;
  const callerLeft = (): void => {
    gone = true;
    if (scope) scope.callerGone = true;
  };
  sock.on('close', callerLeft);
  sock.on('error', callerLeft);
  const link = { socket: sock, gone: () => gone || answered || sock.destroyed };
  const reader = new FrameReader();
  let stdin: ClientInput | undefined;
  let scope: CommandScope | undefined;

  const hello = await new Promise<Hello | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), HELLO_TIMEOUT_MS);
    let first = true;
    sock.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (e) {
        host.log.write(`pid=${peer.pid}: ${(e as Error).message}; connection closed`);
        sock.destroy();
        resolve(undefined);
        return;
      }
      for (const f of frames) {
        if (first) {
          first = false;
          clearTimeout(timer);
          try {
            resolve(f.type === FRAME.hello ? decodeHello(f.payload) : undefined);
          } catch (e) {
            host.log.write(`pid=${peer.pid}: bad hello: ${(e as Error).message}`);
            resolve(undefined);
          }
        } else if (f.type === FRAME.stdin) {
          stdin?.received(f.payload);
        } else if (f.type === FRAME.signal && scope && SIGNALS.includes(f.payload.toString())) {
          const sig = f.payload.toString() as ForwardedSignal;
          scope.interrupted = sig;
          // As in a CLI process: inside an operation it rolls back and the command ends with
          // 128+signal; outside one the command ends at once for its caller.
          if (!scope.operations && !link.gone()) {
            answered = true;
            scope.callerGone = true;
            sock.end(encodeFrame(FRAME.exit, Buffer.from([128 + constants.signals[sig]])));
          }
        }
      }
    });
    sock.on('close', () => { clearTimeout(timer); resolve(undefined); stdin?.end(); });
  });
  if (!hello) { sock.destroy(); return; }

  const who = `pid=${peer.pid} uid=${peer.uid} gid=${peer.gid}`;
  const refuse = (why: string): void => {
    host.log.write(`${who} ${hello.prog} ${redactArgv(hello.argv)}: not served (${why}); the client runs it itself`);
    sock.end(encodeFrame(FRAME.fallback, why));
  };
  const program = host.programs.get(hello.prog);
  const refusal = hello.protocol !== PROTOCOL ? `protocol ${hello.protocol}, daemon speaks ${PROTOCOL}`
    : !allowed(peer, host.group) ? 'not root nor in the socket\'s group'
    : hello.netns !== host.netns ? 'the client is in another network namespace'
    : !program ? `no program ${hello.prog} here`
    : host.refusal();
  if (refusal) { refuse(refusal); return; }

  let leave: () => void;
  try {
    leave = await host.gate.enter(peer.pid);
  } catch (e) {
    refuse(`cannot use the client's working directory: ${(e as Error).message}`);
    return;
  }
  const started = performance.now();
  let status = 1;
  /** Why the command handed itself back to its client (requireOwnProcess), if it did. */
  let ownProcess: string | undefined;
  try {
    const tty = (isTTY: boolean): { isTTY: boolean; columns: number; rows: number } => ({ isTTY, columns: hello.columns, rows: hello.rows });
    const stdout = new ClientOutput(link, FRAME.stdout, tty(hello.tty.stdout));
    const stderr = new ClientOutput(link, FRAME.stderr, tty(hello.tty.stderr));
    stdin = new ClientInput(link, hello.tty.stdin);
    const env = commandEnv(process.env, hello.env);
    scope = {
      debug: env['TSNET_DEBUG'] === '1', startedAt: started, callerGone: link.gone(),
      io: { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, env },
    };
    try {
      status = await program!(hello, scope);
    } catch (e) {
      if (e instanceof OwnProcessRequired && !stdout.wrote && !stderr.wrote) {
        ownProcess = e.message;
        return;
      }
      stderr.write(`tsnet: error: ${(e as Error).message}\n`);
      status = 1;
    }
    await Promise.all([stdout.flushed(), stderr.flushed()]);
    if (!link.gone()) sock.end(encodeFrame(FRAME.exit, Buffer.from([status & 0xff])));
  } finally {
    leave();
    stdin?.end();
    const ms = (performance.now() - started).toFixed(1);
    if (ownProcess !== undefined) refuse(`the command needs a process of its own: ${ownProcess}`);
    else host.log.write(`${who} ${hello.prog} ${redactArgv(hello.argv)}: exit ${status} in ${ms} ms${gone ? ' (client left before the end)' : ''}`);
  }
}
