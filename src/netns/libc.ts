/**
 * libc — the socket calls Node lacks (packet sockets, SO_BINDTODEVICE, binding a raw fd),
 * from libc through koffi, loaded on first use: only commands that need them pay koffi's
 * import. Shared by packet-socket.ts and udp-socket.ts.
 */
export interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, len: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  sendto: (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number) => number;
  close: (fd: number) => number;
  errno: () => number;
}

let libc: Libc | undefined;

export function loadLibc(): Libc {
  if (!libc) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    libc = {
      socket: lib.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
      setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as Libc['setsockopt'],
      bind: lib.func('int bind(int fd, const void *addr, uint32_t len)') as Libc['bind'],
      sendto: lib.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)') as Libc['sendto'],
      close: lib.func('int close(int fd)') as Libc['close'],
      errno: () => koffi.errno(),
    };
  }
  return libc;
}
