/**
 * log — minimal stderr logger. `--debug` (or TSNET_DEBUG=1) turns on one line per kernel
 * operation; nothing else is printed unless asked. Kept dependency-free because it is on
 * every command's start-up path.
 */
import { currentScope } from './command-scope.js';

/** Outside a command (a long-lived process's own work); a command has its own (command-scope.ts). */
let debugEnabled = process.env['TSNET_DEBUG'] === '1';
let stderrOpen = true;

/**
 * ignoreClosedOutput — `tsnet ... --debug 2>&1 | head -1` closes our stdout and stderr
 * early. Writing to them must then be neither fatal nor an exception thrown back into
 * whatever wrote (a netlink native callback logging a message cannot take a JS exception:
 * the process would abort with nothing rolled back). The error is swallowed here, once
 * per stream, and debug output stops; the command carries on and exits as it would.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', () => { if (stream === process.stderr) stderrOpen = false; });
  }
}

function toStderr(line: string): void {
  if (!stderrOpen) return;
  try {
    process.stderr.write(line);
  } catch {
    stderrOpen = false; // a synchronous write error (destroyed stream): never fatal
  }
}

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
  if (isDebug()) toStderr(`tsnet: debug: +${(performance.now() - (currentScope()?.startedAt ?? 0)).toFixed(1)}ms ${message}
`);
}

export function warn(message: string): void {
  toStderr(`tsnet: warning: ${message}\n`);
}

/** notice — something the user should know that is not a problem (a crashed operation settled). */
export function notice(message: string): void {
  toStderr(`tsnet: ${message}\n`);
}
