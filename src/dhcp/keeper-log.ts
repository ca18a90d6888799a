/**
 * keeper-log — the lease keeper's log file, bounded: each message is exactly one line
 * (control characters escaped, so text from a packet can never forge lines), and past
 * MAX_BYTES the file is rotated (log → log.1, as logrotate names it), so a chatty or
 * hostile segment costs at most twice MAX_BYTES of disk.
 */
import * as fs from 'node:fs';

export const MAX_BYTES = 1 << 20;

export class KeeperLog {
  private size: number;

  constructor(readonly path: string, private readonly maxBytes = MAX_BYTES) {
    this.size = fs.statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }

  write(message: string): void {
    const line = `${new Date().toISOString()} ${oneLine(message)}\n`;
    if (this.size + line.length > this.maxBytes) this.rotate();
    fs.appendFileSync(this.path, line, { mode: 0o600 });
    this.size += Buffer.byteLength(line);
  }

  private rotate(): void {
    try {
      fs.renameSync(this.path, `${this.path}.1`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.size = 0;
  }
}

/** oneLine — control characters (newlines first of all) as \xHH. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
