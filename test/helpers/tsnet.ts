/**
 * Runs the real tsnet CLI the way a user does, inside a test "host" netns made by
 * TestNetns, with a throwaway state root. The LinkOps backend is chosen per call so the
 * same kernel tests run against netlink and iproute2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { socketPathFor } from '../../src/daemon/paths.js';

export const TSNET_BIN = join(__dirname, '..', '..', '..', 'bin', 'tsnet');

/**
 * TSNET_TEST_DAEMON=1 runs the suite the other way round: every state root a test uses gets
 * a `tsnet daemon` (in the test's host netns) on first use, so each tsnet call below goes
 * through the native client to a daemon instead of starting Node; outputs must not change.
 */
export const DAEMON_MODE = process.env['TSNET_TEST_DAEMON'] === '1';
const daemons = new Map<string, { ns: string | undefined; pid: number; socket: string }>();

/** socketOf — where the daemon of a root listens (src/daemon/paths.ts). */
function socketOf(root: string): string {
  return socketPathFor(realpathSync(root));
}

/** ensureDaemon — in daemon mode, a daemon serves `root` from `ns` (undefined: this netns). */
export function ensureDaemon(ns: string | undefined, root: string): void {
  if (!DAEMON_MODE || daemons.has(root)) return;
  mkdirSync(root, { recursive: true });
  const argv = [...(ns ? ['ip', 'netns', 'exec', ns] : []), TSNET_BIN, 'daemon', '--root', root];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { ...process.env, TSNET_LINKOPS: 'netlink', TSNET_TEST_HOOKS: '1' } });
  child.unref();
  const socket = socketOf(root);
  daemons.set(root, { ns, pid: child.pid!, socket });
  const deadline = Date.now() + 15_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`tsnet daemon for ${root} did not start`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** stopDaemons — SIGTERM the daemons started in these namespaces (all: no argument), and wait. */
export function stopDaemons(namespaces?: readonly string[]): void {
  for (const [root, d] of daemons) {
    if (namespaces && !(d.ns && namespaces.includes(d.ns))) continue;
    daemons.delete(root);
    try { process.kill(d.pid, 'SIGTERM'); } catch { continue; }
    const deadline = Date.now() + 10_000;
    while (existsSync(`/proc/${d.pid}`) && !/^\S+ \S+ Z/.test(readStat(d.pid)) && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function readStat(pid: number): string {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return ''; }
}

process.on('exit', () => stopDaemons());

export interface CliResult { status: number; stdout: string; stderr: string }

export interface CliOptions { backend?: string; env?: Record<string, string> }

/** envFor — the test hooks (TSNET_FAULT, TSNET_KILL_AT; core/test-hooks.ts) are on in tests only. */
function envFor(opts: CliOptions): NodeJS.ProcessEnv {
  return { ...process.env, TSNET_LINKOPS: opts.backend ?? 'netlink', TSNET_TEST_HOOKS: '1', ...(opts.env ?? {}) };
}

/** withRoot — --root right after the command name, before any passthrough arguments. */
function withRoot(args: string[], root: string): string[] {
  return [...args.slice(0, 1), '--root', root, ...args.slice(1)];
}

/** tsnetIn — `ip netns exec HOST tsnet ARGS --root ROOT`, synchronously. */
export function tsnetIn(hostNs: string, root: string, args: string[], opts: CliOptions = {}): CliResult {
  ensureDaemon(hostNs, root);
  const r = spawnSync('ip', ['netns', 'exec', hostNs, TSNET_BIN, ...withRoot(args, root)], {
    encoding: 'utf8', env: envFor(opts),
  });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** tsnetAsync — the same, as a promise (for concurrency tests and --wait). */
export function tsnetAsync(ns: string, root: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  ensureDaemon(ns, root);
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, TSNET_BIN, ...withRoot(args, root)], { env: envFor(opts) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/** ok — asserts-by-throwing that a CLI call succeeded, with its stderr in the message. */
export function ok(r: CliResult): CliResult {
  if (r.status !== 0) throw new Error(`tsnet failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r;
}
