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

/**
 * redactArgv — argv for the log, with login's password replaced. `-p` is login's password
 * but a port mapping everywhere else (run, port publish), so it is kept there.
 */
export function redactArgv(argv: readonly string[]): string {
  const login = argv.includes('login');
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--password' || (login && a === '-p')) && i + 1 < argv.length) { out.push(JSON.stringify(a), '***'); i++; continue; }
    if (a.startsWith('--password=')) { out.push('"--password=***"'); continue; }
    if (login && /^-p./.test(a)) { out.push('"-p***"'); continue; }
    out.push(JSON.stringify(a));
  }
  return out.join(' ');
}
