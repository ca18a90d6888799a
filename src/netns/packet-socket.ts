/**
 * packet-socket — sends one raw Ethernet frame out of an interface (AF_PACKET), for the
 * gratuitous ARP after attach. Node has no packet sockets, so socket/sendto/close come from
 * libc through koffi; when the interface lives in another netns the socket is created
 * there by inNetns (the one audited setns place) and used from here.
 */
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { inNetns } from './in-netns.js';
import { loadLibc } from './libc.js';

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;

/** sockaddrLl — struct sockaddr_ll for sending to ifindex with a broadcast destination. */
function sockaddrLl(ifindex: number, protocol: number): Buffer {
  const a = Buffer.alloc(20);
  a.writeUInt16LE(AF_PACKET, 0);
  a.writeUInt16BE(protocol, 2);
  a.writeInt32LE(ifindex, 4);
  a.writeUInt16LE(1, 8); // ARPHRD_ETHER
  a[11] = 6; // halen
  a.fill(0xff, 12, 18);
  return a;
}

/** sendFrame — writes `frame` (with its Ethernet header) out of ifindex in netns (or here). */
export function sendFrame(ifindex: number, protocol: number, frame: Buffer, netns?: NetnsRef): void {
  const c = loadLibc();
  const open = (): number => c.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  const fd = netns ? inNetns(netns.fd, open) : open();
  if (fd < 0) throw new TsnetError('EKERNEL', `cannot open a packet socket (errno ${c.errno()})`);
  try {
    const addr = sockaddrLl(ifindex, protocol);
    if (c.sendto(fd, frame, frame.length, 0, addr, addr.length) < 0) {
      throw new TsnetError('EKERNEL', `cannot send a frame on ifindex ${ifindex} (errno ${c.errno()})`);
    }
  } finally {
    c.close(fd);
  }
}
