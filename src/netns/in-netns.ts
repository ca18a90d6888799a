/**
 * inNetns — THE audited place where Node's main thread changes network namespace
 * (DESIGN rule 6). It switches the calling thread into the target netns with setns(2),
 * runs a SYNCHRONOUS function (open a socket, open a /proc/sys file), and switches straight
 * back. Sockets and files keep the namespace they were created in, so the caller then uses
 * them from the host namespace. If switching back fails the process aborts: continuing in
 * the wrong namespace could touch the wrong interfaces.
 */
import { openSync, closeSync } from 'node:fs';
import { TsnetError } from '../core/errors.js';
import { bindLibc, type Bound } from '../core/libc.js';
import { errnoText } from '../core/errno.js';

const CLONE_NEWNET = 0x40000000;

type SetnsFn = (fd: number, nstype: number) => number;
let libc: Bound<{ setns: SetnsFn }> | undefined;

/** loadSetns — bound on first use: only commands that work inside another netns pay koffi's import. */
function loadSetns(): Bound<{ setns: SetnsFn }> {
  libc ??= bindLibc<{ setns: SetnsFn }>({ setns: 'int setns(int fd, int nstype)' });
  return libc;
}

export function inNetns<T>(targetFd: number, fn: () => T): T {
  const { setns, errno } = loadSetns();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    if (setns(targetFd, CLONE_NEWNET) !== 0) {
      const n = errno();
      if (n === 1) throw new TsnetError('EPERM', 'tsnet needs root: entering a network namespace was refused (EPERM); run it as root');
      // EINVAL: the file is not a network namespace here. A /run/netns name made inside another
      // mount namespace (under `ip netns exec`, whose mounts stay private) is an empty file elsewhere.
      const hint = n === 22 ? ': the file is not a network namespace here (a name made under `ip netns exec` exists only inside it; use nsenter --net= or the host instead)' : '';
      throw new TsnetError('EKERNEL', `setns into network namespace failed (${errnoText(n)})${hint}`);
    }
    try {
      return fn();
    } finally {
      if (setns(home, CLONE_NEWNET) !== 0) {
        process.stderr.write('tsnet: fatal: could not return to the original network namespace\n');
        process.abort();
      }
    }
  } finally {
    closeSync(home);
  }
}
