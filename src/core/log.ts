/**
 * log — minimal stderr logger. `--debug` (or TSNET_DEBUG=1) turns on one line per kernel
 * operation; nothing else is printed unless asked. Kept dependency-free because it is on
 * every command's start-up path.
 */
let debugEnabled = process.env['TSNET_DEBUG'] === '1';

export function setDebug(on: boolean): void {
  debugEnabled = on;
}

export function isDebug(): boolean {
  return debugEnabled;
}

/** debug — one line per kernel operation, stamped with ms since start so slow steps show. */
export function debug(message: string): void {
  if (debugEnabled) process.stderr.write(`tsnet: debug: +${performance.now().toFixed(1)}ms ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`tsnet: warning: ${message}\n`);
}
