/**
 * The daemon's hold on published ports, on loopback (no root): a held port cannot be taken
 * by another socket, a connection that reaches it is relayed to the "guest" (here a local
 * server standing in for the container address), and a row that goes releases its port.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { PortHolder } from '../../../src/daemon/port-holder.js';
import type { PortRecord } from '../../../src/state/ports.js';

const servers: Server[] = [];
after(() => { for (const s of servers) s.close(); });

function listen(port: number, onConn?: (c: import('node:net').Socket) => void): Promise<string | Server> {
  return new Promise((resolve) => {
    const s = createServer(onConn);
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.listen({ host: '127.0.0.1', port }, () => { servers.push(s); resolve(s); });
  });
}

async function freePort(): Promise<number> {
  const s = await listen(0) as Server;
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('held, relayed to the guest, released when its row goes', async () => {
  const guest = await listen(0, (c) => c.end('hello from the guest\n')) as Server;
  const guestPort = (guest.address() as { port: number }).port;
  const hostPort = await freePort();
  const row: PortRecord = { id: 1, attachmentId: 1, protocol: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: guestPort };
  const udpPort = await freePort();
  const udpRow: PortRecord = { ...row, id: 2, protocol: 'udp', hostPort: udpPort };
  const logged: string[] = [];
  const holder = new PortHolder((m) => logged.push(m));
  await holder.sync([row, udpRow]);
  assert.equal(holder.count, 2);
  assert.equal(await listen(hostPort), 'EADDRINUSE', 'another program cannot take the published port');
  const udp = createSocket('udp4');
  const udpBind = await new Promise<string>((resolve) => { udp.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')); udp.bind({ address: '127.0.0.1', port: udpPort }, () => resolve('bound')); });
  udp.close();
  assert.equal(udpBind, 'EADDRINUSE');
  const got = await new Promise<string>((resolve) => {
    let text = '';
    connect({ host: '127.0.0.1', port: hostPort }).on('data', (b) => { text += b.toString(); }).on('close', () => resolve(text));
  });
  assert.equal(got, 'hello from the guest\n', 'a connection that reaches the held port is relayed');
  await holder.sync([]);
  assert.equal(holder.count, 0);
  const again = await listen(hostPort);
  assert.notEqual(typeof again, 'string', 'released');
  assert.deepEqual(logged, []);
});

test('a port someone else holds is reported once, not retried every sync', async () => {
  const taken = await listen(0) as Server;
  const port = (taken.address() as { port: number }).port;
  const row: PortRecord = { id: 3, attachmentId: 1, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port, containerIp: '127.0.0.1', containerPort: 1 };
  const logged: string[] = [];
  const holder = new PortHolder((m) => logged.push(m));
  await holder.sync([row]);
  await holder.sync([row]);
  assert.equal(holder.count, 0);
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, new RegExp(`cannot hold published port 127\\.0\\.0\\.1:${port}/tcp`));
});
