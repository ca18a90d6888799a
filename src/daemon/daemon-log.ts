/**
 * daemon-log — the daemon's log: one line per event (start, each request with its client's
 * credentials, stop). Appended through one descriptor; reopen() (on SIGHUP) starts a new
 * file after logrotate moved the old one away.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export class DaemonLog {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.reopen();
  }

  reopen(): void {
    const fd = openSync(this.path, 'a', 0o640);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = fd;
  }

  write(message: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${new Date().toISOString()} ${message.replace(/[\u0000-\u001f\u007f]/g, '?')}\n`);
    } catch { /* a full disk must not stop the daemon serving */ }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** redactArgv — argv for the log, with the value of a password option replaced. */
export function redactArgv(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^(-p|--password)$/.test(a) && i + 1 < argv.length) { out.push(a, '***'); i++; continue; }
    out.push(/^--password=/.test(a) ? '--password=***' : JSON.stringify(a));
  }
  return out.join(' ');
}
