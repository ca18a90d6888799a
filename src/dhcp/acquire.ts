/**
 * acquire — the two one-shot client exchanges tsnet runs itself rather than in the keeper:
 * getting the first lease during attach (DORA, or INIT-REBOOT of a remembered address),
 * and DHCPRELEASE during detach. The socket lives inside the guest's netns, bound to the
 * interface, and is closed as soon as the exchange is over; the keeper renews from then on.
 */
import { TsnetError } from '../core/errors.js';
import type { NetnsRef } from '../netlink/linkops.js';
import { openUdpSocket } from '../netns/udp-socket.js';
import { encode } from './packet.js';
import { MSG, clientMessage, type ClientIdentity } from './options.js';
import { start, type BoundLease } from './client-machine.js';
import { CLIENT_PORT, ClientSession, SERVER_PORT } from './session.js';
import { randomBytes } from 'node:crypto';

export interface AcquireOptions {
  timeoutMs: number;
  /** Address this client-id held before: try INIT-REBOOT first. */
  remembered?: string | undefined;
  log: (message: string) => void;
}

export async function acquireLease(netns: NetnsRef, ifname: string, id: ClientIdentity, opts: AcquireOptions): Promise<BoundLease> {
  const sock = await openUdpSocket(netns, { device: ifname, port: CLIENT_PORT });
  return new Promise<BoundLease>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const session = new ClientSession(sock, id, {
      bound: (lease) => { clearTimeout(timer); session.close(); resolve(lease); },
      lost: () => undefined,
      log: opts.log,
    });
    timer = setTimeout(() => {
      const phase = session.phase;
      session.close();
      reject(new TsnetError('ETIMEOUT', `no DHCP lease for ${ifname} within ${opts.timeoutMs / 1000}s (stuck in ${phase}); is a DHCP server on that segment? (dhcp:timeout=S waits longer)`));
    }, opts.timeoutMs);
    session.run(start(session.env(), opts.remembered));
  });
}

/** releaseLease — one DHCPRELEASE, unicast to the server that granted the lease. */
export async function releaseLease(netns: NetnsRef, ifname: string, id: ClientIdentity, lease: BoundLease): Promise<void> {
  const sock = await openUdpSocket(netns, { device: ifname, port: CLIENT_PORT });
  try {
    const packet = clientMessage(id, { type: MSG.RELEASE, xid: randomBytes(4).readUInt32BE(0), ciaddr: lease.address, serverId: lease.serverId, broadcast: false });
    await new Promise<void>((resolve, reject) => sock.send(encode(packet), SERVER_PORT, lease.serverId, (err) => (err ? reject(err) : resolve())));
  } finally {
    sock.close();
  }
}
