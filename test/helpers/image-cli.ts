/**
 * image-cli — runs the tsnet CLI for image tests (no netns needed: the registry is on
 * loopback) with a throwaway state root, and runs skopeo against the test registry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { TSNET_BIN, ensureDaemon, type CliResult } from './tsnet.js';

export function tsnetRoot(root: string, args: string[], env: Record<string, string> = {}, input?: string): CliResult {
  ensureDaemon(undefined, root);
  const r = spawnSync(TSNET_BIN, [...args.slice(0, 1), '--root', root, ...args.slice(1)], { encoding: 'utf8', env: { ...process.env, ...env }, input });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function tsnetRootAsync(root: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  ensureDaemon(undefined, root);
  return new Promise((resolve) => {
    const c = spawn(TSNET_BIN, [...args.slice(0, 1), '--root', root, ...args.slice(1)], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/** skopeo — with TLS off for the loopback registry and no signature policy file needed. */
export function skopeo(args: string[]): string {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
