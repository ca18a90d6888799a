/**
 * Runs the real tsnet CLI the way a user does, inside a test "host" netns made by
 * TestNetns, with a throwaway state root. The LinkOps backend is chosen per call so the
 * same kernel tests run against netlink and iproute2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const TSNET_BIN = join(__dirname, '..', '..', '..', 'bin', 'tsnet');

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
  const r = spawnSync('ip', ['netns', 'exec', hostNs, process.execPath, TSNET_BIN, ...withRoot(args, root)], {
    encoding: 'utf8', env: envFor(opts),
  });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** tsnetAsync — the same, as a promise (for concurrency tests and --wait). */
export function tsnetAsync(ns: string, root: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, TSNET_BIN, ...withRoot(args, root)], { env: envFor(opts) });
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
