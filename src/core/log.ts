/**
 * log — minimal stderr logger. `--debug` (or TSNET_DEBUG=1) turns on one line per kernel
 * operation; nothing else is printed unless asked. Kept dependency-free because it is on
 * every command's start-up path.
 */
import { currentScope } from './command-scope.js';

/** Outside a command (a long-lived process's own work); a command has its own (command-scope.ts). */
let debugEnabled = process.env['TSNET_DEBUG'] === '1';

export function setDebug(on: boolean): void {
  const scope = currentScope();
  if (scope) scope.debug = on;
  else debugEnabled = on;
}

export function isDebug(): boolean {
  return currentScope()?.debug ?? debugEnabled;
}

/** debug — one line per kernel operation, stamped with ms since the command started so slow steps show. */
export function debug(message: string): void {
  if (isDebug()) process.stderr.write(`tsnet: debug: +${(performance.now() - (currentScope()?.startedAt ?? 0)).toFixed(1)}ms ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`tsnet: warning: ${message}\n`);
}
