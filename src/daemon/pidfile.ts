/**
 * pidfile — one daemon per state root. The pidfile is held with an flock for the daemon's
 * whole life: the kernel drops it when the daemon dies, kill -9 included, so a stale file
 * never blocks a restart and two daemons never both start. It holds the pid for `tsnet
 * daemon status` and for people.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { bindLibc, type Bound } from '../core/libc.js';

const LOCK_EX = 2;
const LOCK_NB = 4;

type Fns = { flock: (fd: number, op: number) => number };
let libc: Bound<Fns> | undefined;
function flock(fd: number, op: number): boolean {
  libc ??= bindLibc<Fns>({ flock: 'int flock(int fd, int op)' });
  return libc.flock(fd, op) === 0;
}

export class Pidfile {
  private constructor(readonly path: string, private fd: number | undefined) {}

  /** take — the pidfile, locked and holding our pid; a one-line error if a live daemon has it. */
  static take(path: string, what: string): Pidfile {
    const fd = openSync(path, 'a+', 0o644);
    if (!flock(fd, LOCK_EX | LOCK_NB)) {
      closeSync(fd);
      const pid = readPid(path);
      throw new TsnetError('ECONFLICT', `a tsnet daemon already serves ${what}${pid ? ` (pid ${pid})` : ''}; stop it first (kill ${pid ?? 'its pid'})`);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return new Pidfile(path, fd);
  }

  /** release — removes the file (still locked, so no newcomer reads a half-gone one) and lets go. */
  release(): void {
    if (this.fd === undefined) return;
    try { unlinkSync(this.path); } catch { /* already gone */ }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** readPid — the pid in a pidfile, if any. */
export function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * holderOf — the pid holding the pidfile's flock, from /proc/locks (no lock taken, so
 * asking never gets in the way of a daemon starting); undefined when no daemon runs.
 */
export function holderOf(path: string): number | undefined {
  try {
    const ino = statSync(path).ino;
    const line = readFileSync('/proc/locks', 'utf8').split('\n').find((l) => / FLOCK /.test(l) && l.includes(`:${ino} `));
    const pid = Number(line?.trim().split(/\s+/)[4]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
