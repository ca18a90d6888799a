/**
 * packet-socket — sends one raw Ethernet frame out of an interface (AF_PACKET), for the
 * gratuitous ARP after attach. Node has no packet sockets, so socket/sendto/close come from
 * libc through koffi; when the interface lives in another netns the socket is created
 * there by inNetns (the one audited setns place) and used from here.
 */
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { inNetns } from './in-netns.js';
import { closeInBackground, loadLibc } from './libc.js';
import { errnoText } from '../core/errno.js';

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

/**
 * FrameSender — one packet socket, kept open for many frames. Closing an AF_PACKET socket
 * costs an RCU grace period (packet_release calls synchronize_net: ~11 ms here, measured),
 * so a long-lived caller keeps one per netns instead of paying that on every frame.
 */
export class FrameSender {
  private fd: number | undefined;

  /** netns: where the socket lives (default: the current netns). */
  constructor(private readonly netns?: NetnsRef) {}

  /** send — writes `frame` (with its Ethernet header) out of ifindex. */
  send(ifindex: number, protocol: number, frame: Buffer): void {
    const c = loadLibc();
    if (this.fd === undefined) {
      const open = (): number => c.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
      const fd = this.netns ? inNetns(this.netns.fd, open) : open();
      if (fd < 0) throw new TsnetError('EKERNEL', `cannot open a packet socket (${errnoText(c.errno())})`);
      this.fd = fd;
    }
    const addr = sockaddrLl(ifindex, protocol);
    if (c.sendto(this.fd, frame, frame.length, 0, addr, addr.length) < 0) {
      throw new TsnetError('EKERNEL', `cannot send a frame on ifindex ${ifindex} (${errnoText(c.errno())})`);
    }
  }

  /** close — the grace period is paid on a worker thread, not by the caller. */
  close(): void {
    if (this.fd !== undefined) closeInBackground(this.fd);
    this.fd = undefined;
  }
}

/**
 * sendFrame — one frame out of ifindex in netns (or here), on a socket of its own (a guest's
 * netns differs from one attach to the next, and a socket kept open would keep it alive).
 */
export function sendFrame(ifindex: number, protocol: number, frame: Buffer, netns?: NetnsRef): void {
  const sender = new FrameSender(netns);
  try {
    sender.send(ifindex, protocol, frame);
  } finally {
    sender.close();
  }
}
