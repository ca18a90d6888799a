/**
 * logs — a container's output as its shim recorded it (Docker's json-file lines:
 * {"log","stream","time"}), all of it or the last N lines, and with follow, what comes
 * after until the container stops. A malformed line (a write torn by a crash) is skipped.
 */
import * as fs from 'node:fs';
import type { EngineContext } from '../engine/context.js';
import { containerPaths } from './paths.js';
import { processAlive } from './process.js';
import { requireContainer } from './reconcile.js';
import { callerGone } from '../core/command-scope.js';

export interface LogEntry { log: string; stream: 'stdout' | 'stderr'; time: string }

export function parseLogLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as LogEntry;
      if (typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr')) out.push(e);
    } catch { /* a torn line */ }
  }
  return out;
}

export interface LogsOptions { tail?: number | undefined; follow?: boolean | undefined }

/** readLogs — calls `emit` for each entry; with follow, keeps going until the container's shim is gone. */
export async function readLogs(ctx: EngineContext, text: string, opts: LogsOptions, emit: (e: LogEntry) => void): Promise<void> {
  const c = requireContainer(ctx, text);
  const file = containerPaths(ctx.root, c.id).log;
  let pos = 0;
  let rest = '';
  const drain = (first: boolean): void => {
    let size: number;
    try { size = fs.statSync(file).size; } catch { return; }
    if (size <= pos) return;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - pos);
      fs.readSync(fd, buf, 0, buf.length, pos);
      pos = size;
      const textNow = rest + buf.toString('utf8');
      const cut = textNow.lastIndexOf('\n') + 1;
      rest = textNow.slice(cut);
      let entries = parseLogLines(textNow.slice(0, cut));
      if (first && opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
      for (const e of entries) emit(e);
    } finally {
      fs.closeSync(fd);
    }
  };
  drain(true);
  if (!opts.follow) return;
  const live = (): boolean => {
    const now = ctx.containers.byId(c.id);
    return now !== undefined && (now.state === 'running' || now.state === 'starting') && processAlive(now.shimPid, now.shimStart);
  };
  while (live() && !callerGone()) {
    await new Promise((r) => setTimeout(r, 100));
    drain(false);
  }
  drain(false);
}
