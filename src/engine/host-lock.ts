/**
 * host-lock — the one lock for kernel state that every network of a host shares: the
 * firewall tables and chains (both backends), sysctls such as ip_forward, bridges, the
 * lease keeper. Whoever changes such state holds it across read, decide and write, so two
 * tsnet processes never both see a chain missing and both add it, nor one flush what the
 * other just filled. Per-object work (one guest's veth, its addresses) runs outside it.
 *
 * The lock is an flock on the host network namespace's own nsfs file
 * (/proc/thread-self/ns/net, opened once): every process in that namespace locks the same
 * inode whatever its state root, processes in other namespaces (a lab's simulated hosts)
 * do not contend, and the kernel drops the lock when its holder dies, kill -9 included.
 * Within one process (the daemon), callers queue on a promise first, so only one of them
 * polls the flock; a caller already inside the lock (a network create that installs the
 * firewall) re-enters it instead of deadlocking. The wait polls with LOCK_NB and backs
 * off, so it never blocks the event loop and an interrupt or a timeout can end it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, openSync, readFileSync, fstatSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { bindLibc, type Bound } from '../core/libc.js';
import { debug } from '../core/log.js';
import { errnoText } from '../core/errno.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = 11;
const EINTR = 4;
/** How long a caller waits before it gives up with a one-line error naming the holder. */
const DEFAULT_TIMEOUT_MS = 120_000;

type FlockFns = { flock: (fd: number, op: number) => number };
let libc: Bound<FlockFns> | undefined;
function flock(): Bound<FlockFns> {
  libc ??= bindLibc<FlockFns>({ flock: 'int flock(int fd, int op)' });
  return libc;
}

export class HostLock {
  private fd: number | undefined;
  /** The in-process queue: resolves when the previous holder in this process let go. */
  private tail: Promise<void> = Promise.resolve();
  private readonly inside = new AsyncLocalStorage<true>();

  /** nsfsPath: the host netns's file when it is not this process's own (a lab's simulated host). */
  constructor(private readonly timeoutMs = DEFAULT_TIMEOUT_MS, private readonly nsfsPath = '/proc/thread-self/ns/net') {}

  /** held — whether the calling async context holds the lock. */
  get held(): boolean {
    return this.inside.getStore() === true;
  }

  /**
   * withLock — runs fn holding the host lock, released when fn settles (or the process
   * dies). Re-entrant within fn. Keep fn to host-wide read-decide-write: it stalls every
   * other tsnet process's host-wide work on this host meanwhile.
   */
  async withLock<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.held) return fn();
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => { release = r; });
    try {
      await previous;
      await this.acquire(what);
      try {
        return await this.inside.run(true, fn);
      } finally {
        flock().flock(this.fd!, LOCK_UN);
        debug(`host lock released (${what})`);
      }
    } finally {
      release();
    }
  }

  private async acquire(what: string): Promise<void> {
    this.fd ??= openSync(this.nsfsPath, 'r');
    const lib = flock();
    const started = Date.now();
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      if (lib.flock(this.fd, LOCK_EX | LOCK_NB) === 0) break;
      const errno = lib.errno();
      if (errno !== EWOULDBLOCK && errno !== EINTR) throw new TsnetError('EKERNEL', `cannot take the host lock: flock failed (${errnoText(errno)})`);
      if (Date.now() - started > this.timeoutMs) {
        throw new TsnetError('ETIMEOUT', `waited ${Math.round(this.timeoutMs / 1000)} s for the host lock (to ${what})${holderOf(this.fd)}; is a tsnet command hung?`);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
    debug(`host lock taken after ${Date.now() - started} ms (${what})`);
  }

  /** close — lets go of the namespace file (a holder releases the lock first). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** holderOf — " held by pid N", from /proc/locks (the flock on this nsfs inode), when known. */
function holderOf(fd: number): string {
  try {
    const ino = fstatSync(fd).ino;
    const line = readFileSync('/proc/locks', 'utf8').split('\n').find((l) => l.includes(' FLOCK ') && l.includes(`:${ino} `));
    const pid = line?.trim().split(/\s+/)[4];
    return pid ? ` held by pid ${pid}` : '';
  } catch {
    return '';
  }
}
