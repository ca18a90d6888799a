/**
 * bench/lib/daemon — a `tsnet daemon` for a benchmark's state root, started as a user would
 * (inside the bench's host netns) and stopped in the caller's `finally`, so no run leaves a
 * daemon behind whatever failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** startDaemon — resolves once the daemon says it is serving; rejects if it exits first. */
export async function startDaemon(tsnet: string, host: string, root: string, env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const daemon = spawn('ip', ['netns', 'exec', host, tsnet, 'daemon', '--root', root], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((res, rej) => {
    daemon.stderr!.on('data', (b: Buffer) => { if (b.toString().includes('serving')) res(); });
    daemon.on('exit', (code) => rej(new Error(`tsnet daemon exited (${code}) before serving`)));
  });
  return daemon;
}

/** stopDaemon — SIGTERM, and wait for it to go (a no-op when it never started or already left). */
export async function stopDaemon(daemon: ChildProcess | undefined): Promise<void> {
  if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return;
  const gone = new Promise((r) => daemon.once('exit', r));
  daemon.kill('SIGTERM');
  await gone;
}
