/**
 * udp-socket — a UDP socket bound to one interface, opened inside a guest netns, for the
 * DHCP client and server. Node's dgram cannot set SO_BINDTODEVICE, and without it an
 * address-less interface cannot send to 255.255.255.255 (ENETUNREACH: no route) nor be
 * told apart from other interfaces on port 67/68. So socket/setsockopt/bind come from libc
 * through koffi, inside inNetns (the one audited setns place), and the finished fd is
 * handed to dgram, which then works from tsnet's own namespace.
 */
import { createSocket, type Socket } from 'node:dgram';
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { inNetns } from './in-netns.js';
import { AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, loadLibc } from './libc.js';
import { errnoText } from '../core/errno.js';

const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_BROADCAST = 6;
const SO_BINDTODEVICE = 25;

export interface UdpSocketSpec {
  /** The interface every datagram goes out of and comes in on. */
  device: string;
  port: number;
}

/** openDeviceUdp — the raw fd: SO_REUSEADDR, SO_BROADCAST, SO_BINDTODEVICE, bound to 0.0.0.0:port. */
function openDeviceUdp(spec: UdpSocketSpec): number {
  const c = loadLibc();
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new TsnetError('EKERNEL', `cannot open a UDP socket (${errnoText(c.errno())})`);
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  const dev = Buffer.from(`${spec.device}\0`);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(AF_INET, 0);
  addr.writeUInt16BE(spec.port, 2);
  const steps: Array<[string, () => number]> = [
    ['SO_REUSEADDR', () => c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4)],
    ['SO_BROADCAST', () => c.setsockopt(fd, SOL_SOCKET, SO_BROADCAST, one, 4)],
    [`SO_BINDTODEVICE ${spec.device}`, () => c.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length)],
    [`bind to port ${spec.port}`, () => c.bind(fd, addr, addr.length)],
  ];
  for (const [what, step] of steps) {
    if (step() !== 0) {
      const errno = c.errno();
      c.close(fd);
      throw new TsnetError('EKERNEL', `UDP socket on ${spec.device}: ${what} failed (${errnoText(errno)})`);
    }
  }
  return fd;
}

/** openUdpSocket — a dgram socket on spec.device:spec.port in netns (or here); the caller closes it. */
export async function openUdpSocket(netns: NetnsRef | undefined, spec: UdpSocketSpec): Promise<Socket> {
  const fd = netns ? inNetns(netns.fd, () => openDeviceUdp(spec)) : openDeviceUdp(spec);
  const sock = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ fd }, () => { sock.off('error', reject); resolve(); });
  });
  return sock;
}
