/**
 * host-port — are host ports free? The sockets holding ports come from one read of
 * /proc/net (in tsnet's netns), so checking a thousand ports costs what checking one does;
 * a host address is checked once by binding port 0 on it. A port another process holds is
 * refused before any rule exists.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { TsnetError, invalid } from '../core/errors.js';
import { ANY_HOST_IP } from '../state/ports.js';
import { boundSockets, holds, type BoundSocket } from './proc-net.js';

export interface HostPort { protocol: 'tcp' | 'udp' | 'sctp'; hostIp: string; hostPort: number }

function sockets(protocol: 'tcp' | 'udp'): BoundSocket[] {
  return ['', '6'].flatMap((v) => {
    try {
      return boundSockets(readFileSync(`/proc/net/${protocol}${v}`, 'utf8'), protocol);
    } catch {
      return []; // no IPv6 in this kernel
    }
  });
}

/** assertHostPortsFree — ECONFLICT naming the first port another process holds. SCTP: state only. */
export async function assertHostPortsFree(ports: readonly HostPort[]): Promise<void> {
  for (const ip of new Set(ports.map((p) => p.hostIp).filter((ip) => ip !== ANY_HOST_IP))) await assertLocalAddress(ip);
  const held = { tcp: undefined as BoundSocket[] | undefined, udp: undefined as BoundSocket[] | undefined };
  for (const p of ports) {
    if (p.protocol === 'sctp') continue;
    const list = (held[p.protocol] ??= sockets(p.protocol));
    if (list.some((s) => holds(s, p.hostIp, p.hostPort))) {
      throw new TsnetError('ECONFLICT', `host port ${p.hostIp === ANY_HOST_IP ? '*' : p.hostIp}:${p.hostPort}/${p.protocol} is in use by another process`);
    }
  }
}

/** assertLocalAddress — binding port 0 on it tells whether the address is this host's. */
async function assertLocalAddress(hostIp: string): Promise<void> {
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', resolve);
    server.listen({ port: 0, host: hostIp, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (!err) return;
  if (err.code === 'EADDRNOTAVAIL') throw invalid(`host IP ${hostIp} is not an address of this host`);
  throw new TsnetError('EKERNEL', `cannot check host address ${hostIp}: ${err.message}`);
}
