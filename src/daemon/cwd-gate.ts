/**
 * cwd-gate — a process has one working directory, and a command's relative paths (`load -i
 * x.tar`, `--root ./r`) must mean what they mean in its client's. So the daemon changes
 * into the client's directory (through /proc/PID/cwd, which works even when the client's
 * mount namespace names it differently), and runs together only commands from the same
 * directory: one from elsewhere waits until those running finish. Callers from one place
 * (a runtime, a script, a test) keep full parallelism; nobody waits behind a stream of
 * others (once one waits, newcomers queue behind it).
 */
import { statSync } from 'node:fs';

interface Waiter {
  key: string;
  dir: string;
  admit: () => void;
  fail: (e: Error) => void;
}

export class CwdGate {
  private current: string | undefined;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  /** enter — resolves once the process is in the client's cwd; call the returned leave() when done. */
  async enter(clientPid: number): Promise<() => void> {
    const dir = `/proc/${clientPid}/cwd`;
    const st = statSync(dir); // throws if the client is gone or its cwd was removed
    const key = `${st.dev}:${st.ino}`;
    if (this.waiting.length === 0 && (this.running === 0 || key === this.current)) {
      this.admit(key, dir);
    } else {
      await new Promise<void>((admit, fail) => this.waiting.push({ key, dir, admit, fail }));
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      if (this.running === 0) this.next();
    };
  }

  private admit(key: string, dir: string): void {
    if (key !== this.current || this.running === 0) process.chdir(dir);
    this.current = key;
    this.running++;
  }

  /** next — the first waiter's directory, and every waiter from the same one. */
  private next(): void {
    while (this.waiting.length > 0 && this.running === 0) {
      const key = this.waiting[0]!.key;
      for (const w of this.waiting.filter((x) => x.key === key)) {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        try {
          this.admit(key, w.dir);
          w.admit();
        } catch (e) {
          w.fail(e as Error); // that client (or its directory) went away meanwhile
        }
      }
    }
  }
}
