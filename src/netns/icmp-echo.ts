/**
 * icmp-echo — pings many addresses from inside one netns, in-process: an ICMP "ping socket"
 * (SOCK_DGRAM, IPPROTO_ICMP; the kernel fills in the identifier and checksum) is opened in
 * the netns through inNetns and handed to dgram, so one socket probes a whole row of a
 * reachability matrix without a process per ping. The netns must allow ping sockets for
 * root's group (net.ipv4.ping_group_range, which labs set as Docker does in containers).
 */
import { createSocket, type Socket } from 'node:dgram';
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { inNetns } from './in-netns.js';
import { AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, loadLibc } from './libc.js';
import { errnoText } from '../core/errno.js';

const IPPROTO_ICMP = 1;
const ICMP_ECHO = 8;
const ICMP_ECHOREPLY = 0;

function openPingFd(): number {
  const c = loadLibc();
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) {
    const errno = c.errno();
    throw new TsnetError('EKERNEL', `cannot open an ICMP ping socket (${errnoText(errno)}${errno === 13 ? '; net.ipv4.ping_group_range excludes root' : ''})`);
  }
  return fd;
}

export interface EchoOptions {
  /** Give up on an address after this long (ms). */
  timeoutMs?: number;
  /** Re-send to addresses that have not answered every this many ms. */
  intervalMs?: number;
}

/** pingAll — round-trip time in ms for each address that answered, undefined for the others. */
export async function pingAll(netns: NetnsRef, ips: readonly string[], opts: EchoOptions = {}): Promise<Map<string, number | undefined>> {
  const result = new Map<string, number | undefined>(ips.map((ip) => [ip, undefined]));
  if (ips.length === 0) return result;
  const fd = inNetns(netns.fd, openPingFd);
  const sock: Socket = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ fd }, () => { sock.off('error', reject); resolve(); });
  });
  const timeoutMs = opts.timeoutMs ?? 2000;
  const intervalMs = opts.intervalMs ?? 250;
  const sentAt = new Map<number, number>();
  const seqOf = new Map<string, number>(ips.map((ip, i) => [ip, i + 1]));
  const ipOf = new Map<number, string>(ips.map((ip, i) => [i + 1, ip]));
  try {
    await new Promise<void>((resolve) => {
      let pending = new Set(ips);
      const finish = (): void => { clearInterval(resend); clearTimeout(stop); resolve(); };
      // A starved event loop (a loaded machine) runs an overdue timer BEFORE it reads the
      // replies already waiting on the socket (libuv: timers, then I/O, then immediates). So
      // the deadline only ends the wait once a turn of the loop has read nothing more.
      let heard = 0;
      const finishWhenDrained = (): void => {
        if (heard === 0) { finish(); return; }
        heard = 0;
        setImmediate(finishWhenDrained);
      };
      sock.on('message', (msg) => {
        heard++;
        if (msg.length < 8 || msg[0] !== ICMP_ECHOREPLY) return;
        const seq = msg.readUInt16BE(6);
        const ip = ipOf.get(seq);
        if (ip === undefined || !pending.has(ip)) return;
        result.set(ip, Number(process.hrtime.bigint()) / 1e6 - (sentAt.get(seq) ?? 0));
        pending.delete(ip);
        if (pending.size === 0) finish();
      });
      sock.on('error', () => undefined); // an unreachable destination is reported per send; it stays pending
      const sendAll = (): void => {
        for (const ip of pending) {
          const seq = seqOf.get(ip)!;
          const pkt = Buffer.alloc(16);
          pkt[0] = ICMP_ECHO;
          pkt.writeUInt16BE(seq, 6);
          sentAt.set(seq, Number(process.hrtime.bigint()) / 1e6);
          sock.send(pkt, 1, ip, () => undefined);
        }
      };
      const resend = setInterval(sendAll, intervalMs);
      const stop = setTimeout(() => { heard = 0; setImmediate(finishWhenDrained); }, timeoutMs);
      sendAll();
      pending = new Set(pending);
    });
  } finally {
    sock.close();
  }
  return result;
}
