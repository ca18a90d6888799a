/**
 * host-port — is a host port free? Tried the only reliable way: bind it (in tsnet's netns)
 * and let go at once. A port another process listens on is refused before any rule exists.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { TsnetError, invalid } from '../core/errors.js';
import { ANY_HOST_IP } from '../state/ports.js';

export async function assertHostPortFree(protocol: 'tcp' | 'udp' | 'sctp', hostIp: string, port: number): Promise<void> {
  if (protocol === 'sctp') return; // Node cannot bind SCTP; the state check still applies
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    if (protocol === 'tcp') {
      const server = createServer();
      server.once('error', resolve);
      server.listen({ port, host: hostIp, exclusive: true }, () => server.close(() => resolve(undefined)));
    } else {
      const socket = createSocket('udp4');
      socket.once('error', resolve);
      socket.bind({ port, address: hostIp, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
  if (!err) return;
  const where = `${hostIp === ANY_HOST_IP ? '*' : hostIp}:${port}/${protocol}`;
  if (err.code === 'EADDRINUSE') throw new TsnetError('ECONFLICT', `host port ${where} is in use by another process`);
  if (err.code === 'EADDRNOTAVAIL') throw invalid(`host IP ${hostIp} is not an address of this host`);
  throw new TsnetError('EKERNEL', `cannot check host port ${where}: ${err.message}`);
}
