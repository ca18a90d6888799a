/**
 * exec — the only module that spawns processes. argv arrays only, never a shell; failures
 * become TsnetError('EEXEC') carrying argv, exit code and stderr so the caller can explain
 * what failed. Every spawn is logged under --debug.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { closeSync, openSync } from 'node:fs';
import { TsnetError } from './errors.js';
import { requireOwnProcess } from './command-scope.js';
import { debug } from './log.js';

export interface ExecOptions {
  /** Written to the child's stdin, then closed (for `ip -batch -`, `iptables-restore`). */
  input?: string;
  /** Resolve instead of throwing when the child exits non-zero. */
  allowFailure?: boolean;
  /** Kill the child after this many milliseconds. */
  timeoutMs?: number;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface ExecResult {
  argv: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new TsnetError('EINTERNAL', 'exec: empty argv');
  debug(`exec ${argv.join(' ')}${opts.input ? ` <<< ${JSON.stringify(opts.input)}` : ''}`);
  const result = await new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs, env: opts.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? `${file} is not installed` : e.message;
      reject(new TsnetError('EEXEC', `cannot run ${file}: ${why}`, { argv }));
    });
    child.on('close', (code, signal) => {
      resolve({
        argv,
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined); // child may exit before reading stdin
    child.stdin.end(opts.input ?? '');
  });
  if (result.code !== 0 && !opts.allowFailure) throw execError(result);
  return result;
}

/** execError — turns a failed child into a one-line error: the command and its last stderr line. */
export function execError(r: ExecResult): TsnetError {
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  const why = lines[lines.length - 1] ?? `exit status ${r.code}`;
  return new TsnetError('EEXEC', `${r.argv.slice(0, 4).join(' ')}: ${why}`, {
    argv: r.argv,
    exitCode: r.code,
    stderr: r.stderr,
  });
}

/**
 * spawnDetached — starts a long-lived child in its own session, detached from tsnet and its
 * terminal (the DHCP lease keeper), stdout and stderr appended to logFile; returns its pid.
 */
export function spawnDetached(argv: readonly string[], logFile: string): number {
  const [file, ...args] = argv;
  if (!file) throw new TsnetError('EINTERNAL', 'exec: empty argv');
  debug(`spawn detached ${argv.join(' ')} >> ${logFile}`);
  const out = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', out, out] });
    child.on('error', () => undefined); // reported through the missing pid below
    child.unref();
    if (child.pid === undefined) throw new TsnetError('EEXEC', `cannot start ${argv.slice(0, 3).join(' ')}`, { argv });
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/**
 * runAttached — runs argv with the caller's stdin, stdout and stderr (an interactive
 * command such as `tsnet lab exec`), resolving to its exit status (128+N for signal N).
 */
export function runAttached(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv;
  if (!file) throw new TsnetError('EINTERNAL', 'exec: empty argv');
  requireOwnProcess(`${file} runs on the caller's own terminal`); // never on the daemon's
  debug(`exec (attached) ${argv.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit' });
    child.on('error', (e: NodeJS.ErrnoException) => reject(new TsnetError('EEXEC', `cannot run ${file}: ${e.code === 'ENOENT' ? `${file} is not installed` : e.message}`, { argv })));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  });
}
