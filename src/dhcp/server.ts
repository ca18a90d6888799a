/**
 * server — tsnet's DHCP server on one network bridge, run inside the lease keeper. Each
 * request is decoded (malformed ones are logged and dropped), answered by server-logic
 * from the leases in state, and the decision is written back before the reply leaves, so
 * nothing is promised that state does not hold. Addresses statically attached on the
 * bridge are never handed out.
 */
import type { Socket } from 'node:dgram';
import type { DhcpContext } from './dhcp-context.js';
import { openUdpSocket } from '../netns/udp-socket.js';
import type { ServerRecord } from '../state/dhcp-servers.js';
import { DhcpDecodeError, decode, encode } from './packet.js';
import { decide } from './server-logic.js';
import { CLIENT_PORT, SERVER_PORT } from './session.js';

export class DhcpServer {
  private constructor(private readonly sock: Socket, readonly record: ServerRecord) {}

  static async open(ctx: DhcpContext, record: ServerRecord, log: (m: string) => void): Promise<DhcpServer> {
    const sock = await openUdpSocket(undefined, { device: record.bridge, port: SERVER_PORT });
    const server = new DhcpServer(sock, record);
    sock.on('message', (b: Buffer) => server.onDatagram(ctx, b, log));
    sock.on('error', (e) => log(`${record.network}: socket error: ${e.message}`));
    return server;
  }

  private onDatagram(ctx: DhcpContext, b: Buffer, log: (m: string) => void): void {
    const { networkId, network, bridge, config } = this.record;
    try {
      const req = decode(b);
      // Addresses attached statically on the bridge, except those this server leased itself.
      const leases = ctx.dhcpServers.leases(networkId);
      const leased = new Set(leases.map((l) => l.ip));
      const taken = new Set(ctx.attachments.all().filter((a) => a.hostTarget === bridge).flatMap((a) => a.addresses.map((c) => c.split('/')[0]!)).filter((ip) => !leased.has(ip)));
      const d = decide(config, leases, taken, req, Date.now());
      if (d.put || d.drop) ctx.dhcpServers.apply(networkId, d.put, d.drop);
      log(`server ${network}: ${d.log}`);
      if (d.reply) {
        this.sock.send(encode(d.reply.packet), CLIENT_PORT, d.reply.to, (err) => { if (err) log(`server ${network}: reply to ${d.reply?.to} failed: ${err.message}`); });
      }
    } catch (e) {
      if (e instanceof DhcpDecodeError) log(`server ${network}: dropped a malformed request: ${e.message}`);
      else log(`server ${network}: error: ${(e as Error).message}`);
    }
  }

  close(): void {
    try { this.sock.close(); } catch { /* already closed */ }
  }
}
