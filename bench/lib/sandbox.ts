/**
 * bench/lib/sandbox — the throwaway world a benchmark runs in: network namespaces named
 * tsnet-t-<random>-<suffix> (one plays "the host") and temp directories, all removed by
 * cleanup(), which the caller runs in `finally` and which also runs on SIGINT/SIGTERM/
 * SIGHUP and at process exit. The machine's own namespace is never touched: every kernel
 * object a benchmark makes lives inside a namespace created here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './stats.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class Sandbox {
  /** Random part of every name made here, so concurrent runs and tests never collide. */
  readonly tag = randomBytes(4).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly dirs: string[] = [];
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${sig}: cleaning up ${this.namespaces.length} namespace(s)\n`);
    this.cleanup();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  };
  private readonly onExit = (): void => this.cleanup();

  constructor() {
    for (const s of SIGNALS) process.on(s, this.onSignal);
    process.on('exit', this.onExit);
  }

  /** netns — creates tsnet-t-<tag>-<suffix> with lo up; remembered for cleanup. */
  netns(suffix: string): string {
    const name = `tsnet-t-${this.tag}-${suffix}`;
    if (!/^[a-z0-9-]+$/.test(suffix)) throw new Error(`bad netns suffix "${suffix}"`);
    this.namespaces.push(name);
    run(['ip', 'netns', 'add', name]);
    run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** dropNetns — deletes one namespace made here (not-found is fine). */
  dropNetns(name: string): void {
    const i = this.namespaces.indexOf(name);
    if (i < 0) throw new Error(`${name} was not made by this sandbox`);
    this.namespaces.splice(i, 1);
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }

  tmpdir(label: string): string {
    const d = mkdtempSync(join(tmpdir(), `tsnet-t-${this.tag}-${label}-`));
    this.dirs.push(d);
    return d;
  }

  /**
   * cleanup — removes every namespace (newest first, so guests go before the host) and
   * directory made here. Never throws; safe to call more than once.
   */
  cleanup(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    for (const d of this.dirs.splice(0)) {
      try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }

  /** dispose — cleanup and stop listening for signals. */
  dispose(): void {
    this.cleanup();
    for (const s of SIGNALS) process.off(s, this.onSignal);
    process.off('exit', this.onExit);
  }
}

/** tick — yield to the event loop so a pending SIGINT handler can run between steps. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
