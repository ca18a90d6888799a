/**
 * port-holder — the daemon holds every published host port with a socket of its own, as
 * Docker's userland proxy does, so no other program can take a published port later and
 * silently lose its traffic to the guest (DNAT sends the packets on before they would reach
 * that program). A TCP connection that does reach the socket (one the DNAT rules do not
 * catch) is relayed to the guest, as docker-proxy does; UDP datagrams that reach it are
 * dropped. The set follows the ports table: after each request, on SIGHUP and every few
 * seconds (a CLI process may have changed it).
 */
import { createServer, connect, type Server } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { PortRecord } from '../state/ports.js';

interface Held {
  port: PortRecord;
  close(): void;
}

/** keyOf — what makes two rows the same held socket (and the same relay target). */
function keyOf(p: PortRecord): string {
  return `${p.protocol} ${p.hostIp}:${p.hostPort} ${p.containerIp}:${p.containerPort}`;
}

export class PortHolder {
  private readonly held = new Map<string, Held>();
  /** Ports that could not be bound (someone already had them): reported once each. */
  private readonly failed = new Set<string>();

  constructor(private readonly log: (message: string) => void) {}

  get count(): number {
    return this.held.size;
  }

  /** sync — holds the rows' ports, lets go of ports whose rows are gone. */
  async sync(rows: readonly PortRecord[]): Promise<void> {
    const wanted = new Map(rows.filter((p) => p.protocol !== 'sctp').map((p) => [keyOf(p), p]));
    for (const [key, h] of this.held) if (!wanted.has(key)) { h.close(); this.held.delete(key); }
    for (const key of this.failed) if (!wanted.has(key)) this.failed.delete(key);
    for (const [key, p] of wanted) {
      if (this.held.has(key) || this.failed.has(key)) continue;
      try {
        this.held.set(key, p.protocol === 'tcp' ? await holdTcp(p) : await holdUdp(p));
      } catch (e) {
        this.failed.add(key);
        this.log(`cannot hold published port ${p.hostIp}:${p.hostPort}/${p.protocol}: ${(e as Error).message}`);
      }
    }
  }

  close(): void {
    for (const h of this.held.values()) h.close();
    this.held.clear();
  }
}

function listening(server: Server | UdpSocket, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => { server.off('error', reject); resolve(); });
    start();
  });
}

async function holdTcp(p: PortRecord): Promise<Held> {
  const server = createServer((client) => {
    // Relayed to the guest, both ways, until either side closes.
    const guest = connect({ host: p.containerIp, port: p.containerPort });
    const done = (): void => { client.destroy(); guest.destroy(); };
    client.on('error', done).on('close', done);
    guest.on('error', done).on('close', done);
    client.pipe(guest);
    guest.pipe(client);
  });
  server.on('error', () => undefined);
  await listening(server, () => server.listen({ host: p.hostIp, port: p.hostPort, exclusive: true }));
  server.unref();
  return { port: p, close: () => server.close() };
}

async function holdUdp(p: PortRecord): Promise<Held> {
  const sock = createSocket({ type: 'udp4' });
  sock.on('message', () => undefined); // only datagrams the DNAT rules missed: dropped
  sock.on('error', () => undefined);
  await listening(sock, () => sock.bind({ address: p.hostIp, port: p.hostPort, exclusive: true }));
  sock.unref();
  return { port: p, close: () => sock.close() };
}
