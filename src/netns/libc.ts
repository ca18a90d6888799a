/**
 * libc — the socket calls Node lacks (packet sockets, SO_BINDTODEVICE, binding a raw fd),
 * from libc through koffi, loaded on first use: only commands that need them pay koffi's
 * import. Shared by packet-socket.ts and udp-socket.ts.
 */
import { bindLibc, type Bound } from '../core/libc.js';

type LibcFns = {
  socket: (domain: number, type: number, protocol: number) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, len: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  listen: (fd: number, backlog: number) => number;
  sendto: (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number) => number;
  close: (fd: number) => number;
};
export type Libc = Bound<LibcFns>;

/** Socket constants of Linux's ABI (x86-64 and arm64 alike). */
export const AF_INET = 2;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

let libc: Libc | undefined;

/**
 * closeInBackground — close(fd) on one of koffi's worker threads. Closing a packet socket
 * waits for an RCU grace period (packet_release calls synchronize_net: ~11 ms here), which
 * the caller has no need to wait for; in the daemon it would stall every other request.
 * The fd must not be used afterwards.
 */
export function closeInBackground(fd: number): void {
  const close = loadLibc().close as unknown as { async: (fd: number, done: (err: unknown) => void) => void };
  close.async(fd, () => undefined);
}

export function loadLibc(): Libc {
  libc ??= bindLibc<LibcFns>({
    socket: 'int socket(int domain, int type, int protocol)',
    setsockopt: 'int setsockopt(int fd, int level, int name, const void *value, uint32_t len)',
    bind: 'int bind(int fd, const void *addr, uint32_t len)',
    listen: 'int listen(int fd, int backlog)',
    sendto: 'long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
    close: 'int close(int fd)',
  });
  return libc;
}
