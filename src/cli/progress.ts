/**
 * progress — renders per-layer transfer progress. On a terminal each layer has its own
 * line with a bar, redrawn in place (as docker pull does); otherwise one plain line per
 * status change, so logs stay readable; --quiet and --json print nothing.
 */
import type { ProgressEvent, ProgressFn } from '../images/transfer.js';
import { humanSize } from './image-format.js';

const BAR = 30;

/** bar — "[=====>      ] 1.2MB/4.5MB" for a transfer in progress. */
export function bar(current: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR, Math.floor((current / total) * BAR)) : 0;
  const body = filled >= BAR ? '='.repeat(BAR) : `${'='.repeat(filled)}>${' '.repeat(BAR - filled - 1)}`;
  return `[${body}] ${humanSize(current)}/${humanSize(total)}`;
}

export function progressRenderer(out: NodeJS.WriteStream, quiet: boolean, env: NodeJS.ProcessEnv = process.env): ProgressFn | undefined {
  if (quiet) return undefined;
  return redrawable(out.isTTY === true, env) ? ttyRenderer(out) : plainRenderer(out);
}

/**
 * redrawable — cursor movement and colour only on a terminal that can take them: TERM set
 * and not "dumb" (Emacs shells, CI logs), and NO_COLOR unset (no-color.org).
 */
export function redrawable(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !!env['TERM'] && env['TERM'] !== 'dumb' && !env['NO_COLOR'];
}

function plainRenderer(out: NodeJS.WriteStream): ProgressFn {
  const last = new Map<string, string>();
  return (e) => {
    if (last.get(e.id) === e.status) return;
    last.set(e.id, e.status);
    out.write(`${e.id}: ${e.status}\n`);
  };
}

function ttyRenderer(out: NodeJS.WriteStream): ProgressFn {
  const order: string[] = [];
  const lines = new Map<string, string>();
  const lastDraw = new Map<string, number>();
  return (e: ProgressEvent) => {
    const text = `${e.id}: ${e.status}${e.status === 'Downloading' || e.status === 'Pushing' ? ` ${bar(e.current, e.total)}` : ''}`;
    if (!lines.has(e.id)) {
      order.push(e.id);
      lines.set(e.id, text);
      out.write(`${text}\n`);
      return;
    }
    const now = Date.now();
    if ((e.status === 'Downloading' || e.status === 'Pushing') && now - (lastDraw.get(e.id) ?? 0) < 100) return;
    lastDraw.set(e.id, now);
    lines.set(e.id, text);
    const up = order.length - order.indexOf(e.id);
    out.write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
  };
}
