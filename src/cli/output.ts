/**
 * output — how results and errors reach the user: a human line or table by default,
 * JSON with --json; errors as one line on stderr (or {"error","code"} with --json)
 * and an exit status chosen by the error's class.
 */
import { toTsnetError } from '../core/errors.js';
import { isDebug } from '../core/log.js';
import { currentScope } from '../core/command-scope.js';

export interface GlobalOpts {
  root?: string | undefined;
  json?: boolean | undefined;
  debug?: boolean | undefined;
  backend?: 'netlink' | 'iproute2' | undefined;
  firewallBackend?: 'iptables' | 'nftables' | 'none' | undefined;
}

export function printResult(opts: GlobalOpts, json: unknown, human: string | string[]): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const lines = Array.isArray(human) ? human : [human];
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/** printWarnings — what a teardown could not do, one line each on stderr (the result still goes to stdout). */
export function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`tsnet: warning: ${w}\n`);
}

export function printError(err: unknown, json: boolean): number {
  const e = toTsnetError(err);
  if (json) process.stdout.write(`${JSON.stringify({ error: e.message, code: e.code })}\n`);
  else process.stderr.write(`tsnet: error: ${e.message}\n`);
  if (e.code === 'EINTERNAL' && err instanceof Error && err.stack && isDebug()) {
    process.stderr.write(`${err.stack}\n`);
  }
  return e.exitStatus;
}

/** table — fixed-width columns, header first; empty tables print just the header. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

/**
 * setExitStatus — a command that printed its result but must still exit non-zero (gc that
 * met errors). Never process.exitCode: the daemon runs many commands in one process.
 */
export function setExitStatus(status: number): void {
  const scope = currentScope();
  if (scope) scope.exitStatus = status;
  else process.exitCode = status;
}
