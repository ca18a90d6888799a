/**
 * helper — runs native tsnet-init: writes the config record on its fd 3 and reads its
 * JSON-line reports on fd 4 ("ready" with the container's pid, "started", "exit", or an
 * "error" with the stage and message, which becomes a one-line TsnetError). In run mode
 * the process is the container's shim: detached, it lives on after tsnet exits; in the
 * foreground it shares tsnet's stdio, so output and the terminal need no copying in Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { encodeRecord } from './helper-config.js';

export interface HelperEvent { event: 'ready' | 'started' | 'exit' | 'error'; pid?: number; exitCode?: number; signal?: number; stage?: string; msg?: string; exit?: number }

/**
 * HelperError — the helper's own report of a failure: exit 126/127 mean the command could
 * not be run or found (Docker's statuses), 125 that the runtime failed.
 */
export class HelperError extends TsnetError {
  constructor(readonly stage: string, message: string, readonly exit: number) {
    super(stage === 'exec' ? 'ENOTFOUND' : 'EKERNEL', message, { stage, exit });
  }
}

/** helperPath — dist/native/tsnet-init next to the bundle (dist/) or tsc's output (dist/src/runtime/). */
export function helperPath(): string {
  const candidates = [join(__dirname, 'native', 'tsnet-init'), join(__dirname, '..', '..', 'native', 'tsnet-init')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new TsnetError('EUNSUPPORTED', `the native helper tsnet-init is not built (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

export interface SpawnOptions {
  /** Foreground: the helper gets tsnet's stdout/stderr (and stdin when `stdin`). */
  foreground: boolean;
  /** Foreground in a process whose stdio is not its own (the daemon): output through pipes (child.stdout/stderr). */
  pipe?: boolean | undefined;
  stdin: boolean;
  /** Detached runs: where the shim's own stderr goes (diagnostics after the CLI left). */
  shimLog?: string | undefined;
}

export class Helper {
  readonly child: ChildProcess;
  private readonly events: HelperEvent[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;
  private lastError: HelperError | undefined;
  private readonly exited: Promise<number>;

  constructor(entries: ReadonlyArray<[string, string]>, opts: SpawnOptions) {
    const out = opts.pipe ? 'pipe' : opts.foreground ? 'inherit' : 'ignore';
    this.child = spawn(helperPath(), [], {
      detached: !opts.foreground,
      stdio: [opts.foreground && opts.stdin && !opts.pipe ? 'inherit' : 'ignore', out, out, 'pipe', 'pipe'],
    });
    debug(`tsnet-init pid ${this.child.pid}: ${entries.filter(([k]) => k !== 'env').map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? 9 : 0))));
    this.child.on('error', (e) => { this.lastError = new HelperError('spawn', `cannot run tsnet-init: ${e.message}`, 125); this.end(); });
    const config = this.child.stdio[3] as Writable;
    config.on('error', () => undefined); // the helper may exit before reading it all
    config.write(encodeRecord(entries));
    const report = this.child.stdio[4] as Readable;
    let buf = '';
    report.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.take(line);
      }
    });
    report.on('close', () => this.end());
  }

  get pid(): number { return this.child.pid ?? 0; }

  private take(line: string): void {
    let ev: HelperEvent;
    try { ev = JSON.parse(line) as HelperEvent; } catch { debug(`tsnet-init said: ${line}`); return; }
    debug(`tsnet-init: ${line}`);
    if (ev.event === 'error') this.lastError = new HelperError(ev.stage ?? '?', ev.msg ?? 'failed', ev.exit ?? 125);
    this.events.push(ev);
    this.wake();
  }

  private end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** next — the next report of kind `event`; an error report (or the helper ending) throws. */
  async next(event: HelperEvent['event']): Promise<HelperEvent> {
    for (;;) {
      const i = this.events.findIndex((e) => e.event === event || e.event === 'error');
      if (i >= 0) {
        const ev = this.events.splice(i, 1)[0]!;
        if (ev.event === 'error') throw this.lastError!;
        return ev;
      }
      if (this.ended) {
        if (this.lastError) throw this.lastError;
        const code = await this.exited;
        throw new HelperError('shim', `tsnet-init ended (status ${code}) before reporting "${event}"`, 125);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** go — the network is ready: the container may start. */
  go(): void {
    (this.child.stdio[3] as Writable).write('go\n');
  }

  /** abort — stop before the start (tsnet-init kills the half-made container and exits). */
  async abort(): Promise<void> {
    (this.child.stdio[3] as Writable).end();
    await this.exited;
  }

  /** release — a detached container runs on its own: drop our ends, let Node exit. */
  release(): void {
    (this.child.stdio[3] as Writable).destroy();
    (this.child.stdio[4] as Readable).destroy();
    this.child.unref();
  }

  wait(): Promise<number> {
    return this.exited;
  }
}
