/**
 * listener — the embedded resolver's sockets inside one container's network namespace:
 * UDP and TCP on 127.0.0.11:53, made with libc in that netns (inNetns, the one audited
 * setns place) and handed to Node's dgram and net, which serve them from the resolver's
 * own namespace. IP_FREEBIND: the container's lo may not be up yet when they are made.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { inNetns } from '../netns/in-netns.js';
import { loadLibc } from '../netns/libc.js';
import { errnoText } from '../core/errno.js';

export const RESOLVER_IP = '127.0.0.11';
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SOL_IP = 0;
const IP_FREEBIND = 15;

function openRaw(type: number): number {
  const c = loadLibc();
  const fd = c.socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new TsnetError('EKERNEL', `cannot open a DNS socket (${errnoText(c.errno())})`);
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(AF_INET, 0);
  addr.writeUInt16BE(53, 2);
  Buffer.from(RESOLVER_IP.split('.').map(Number)).copy(addr, 4);
  const steps: Array<[string, () => number]> = [
    ['SO_REUSEADDR', () => c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4)],
    ['IP_FREEBIND', () => c.setsockopt(fd, SOL_IP, IP_FREEBIND, one, 4)],
    [`bind ${RESOLVER_IP}:53`, () => c.bind(fd, addr, addr.length)],
    ...(type === SOCK_STREAM ? [['listen', () => c.listen(fd, 64)] as [string, () => number]] : []),
  ];
  for (const [what, step] of steps) {
    if (step() !== 0) {
      const errno = c.errno();
      c.close(fd);
      throw new TsnetError('EKERNEL', `DNS socket: ${what} failed (${errnoText(errno)})`);
    }
  }
  return fd;
}

export interface Listener { udp: Socket; tcp: Server; close(): void }

/** openListener — UDP and TCP on 127.0.0.11:53 in netns; `onTcp` gets each connection. */
export async function openListener(netns: NetnsRef, onTcp: (s: TcpSocket) => void): Promise<Listener> {
  const [udpFd, tcpFd] = inNetns(netns.fd, () => {
    const u = openRaw(SOCK_DGRAM);
    try { return [u, openRaw(SOCK_STREAM)] as const; } catch (e) { loadLibc().close(u); throw e; }
  });
  const udp = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ fd: udpFd }, () => { udp.off('error', reject); resolve(); });
  });
  const tcp = createServer(onTcp);
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ fd: tcpFd }, () => { tcp.off('error', reject); resolve(); });
  });
  return { udp, tcp, close: () => { udp.close(); tcp.close(); } };
}
