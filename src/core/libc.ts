/**
 * libc — binds the few libc functions Node lacks (setns, packet and bound sockets, mknod,
 * xattrs, mount, flock) through koffi, on first use: only commands that need one pay
 * koffi's import. Each kernel-facing module declares its own functions by C signature;
 * this is the one place that loads the library.
 */
type Fn = (...args: never[]) => unknown;

export type Bound<T> = T & { errno: () => number };

/** bindLibc — `signatures` maps each name to its C prototype; the result adds errno(). */
export function bindLibc<T extends Record<string, Fn>>(signatures: { [K in keyof T]: string }): Bound<T> {
  // tsnet-lint-disable-next-line no-require -- koffi loads only when a libc function is bound, not at CLI start-up
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const out: Record<string, unknown> = { errno: () => koffi.errno() };
  for (const [name, proto] of Object.entries(signatures)) out[name] = lib.func(proto as string);
  return out as Bound<T>;
}
