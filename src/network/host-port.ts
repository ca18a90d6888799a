/**
 * host-port — are host ports free? The sockets holding ports come from one listing (in
 * tsnet's netns: sock_diag for TCP, /proc/net for UDP), so checking a thousand ports costs
 * what checking one does;
 * a host address is checked once by binding port 0 on it. A port another process holds is
 * refused before any rule exists. The sockets of the root's port holder (its daemon, which
 * holds every published port) are not another program's: a port it still holds is one
 * unpublished a moment ago (it lets go at its next sync), and a live mapping's port is
 * refused by state's own check (ports.reserve).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { TsnetError, invalid } from '../core/errors.js';
import { ANY_HOST_IP } from '../state/ports.js';
import { listeningTcp } from '../netlink/sock-diag.js';
import { boundFromDiag, boundSockets, holds, type BoundSocket } from './proc-net.js';

export interface HostPort { protocol: 'tcp' | 'udp' | 'sctp'; hostIp: string; hostPort: number }

/** sockets — what holds ports: TCP from sock_diag (a walk of /proc/net/tcp costs ms), else /proc. */
async function sockets(protocol: 'tcp' | 'udp'): Promise<BoundSocket[]> {
  const diag = protocol === 'tcp' ? await listeningTcp() : undefined;
  if (diag) return boundFromDiag(diag);
  return ['', '6'].flatMap((v) => {
    try {
      return boundSockets(readFileSync(`/proc/net/${protocol}${v}`, 'utf8'), protocol);
    } catch {
      return []; // no IPv6 in this kernel
    }
  });
}

/**
 * assertHostPortsFree — ECONFLICT naming the first port another process holds. SCTP: state
 * only. `holder`: the pid of the root's port holder, if one runs (EngineContext.portHolder).
 */
export async function assertHostPortsFree(ports: readonly HostPort[], holder?: () => number | undefined): Promise<void> {
  for (const ip of new Set(ports.map((p) => p.hostIp).filter((ip) => ip !== ANY_HOST_IP))) await assertLocalAddress(ip);
  const held = { tcp: undefined as BoundSocket[] | undefined, udp: undefined as BoundSocket[] | undefined };
  let ours: Set<number> | undefined;
  for (const p of ports) {
    if (p.protocol === 'sctp') continue;
    const list = (held[p.protocol] ??= await sockets(p.protocol));
    const taken = list.filter((s) => holds(s, p.hostIp, p.hostPort));
    if (taken.length === 0) continue;
    ours ??= socketInodes(holder?.());
    const theirs = taken.find((s) => !ours!.has(s.inode));
    if (theirs) {
      const who = processHolding(theirs.inode);
      throw new TsnetError('ECONFLICT', `host port ${p.hostIp === ANY_HOST_IP ? '*' : p.hostIp}:${p.hostPort}/${p.protocol} is in use by another process${who ? ` (${who})` : ''}; pick another host port or stop it`);
    }
  }
}

/** socketInodes — the inodes of a process's sockets, from its fd links (none if it is gone). */
function socketInodes(pid: number | undefined): Set<number> {
  const out = new Set<number>();
  if (pid === undefined) return out;
  let fds: string[];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * processHolding — "pid 1234, nginx": the process with this socket open, found by a walk of
 * /proc/<pid>/fd (only when refusing, so the cost is paid by the error path alone); undefined
 * when it cannot be seen (another pid namespace, or gone).
 */
function processHolding(inode: number): string | undefined {
  let pids: string[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return undefined; }
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== link) continue;
      } catch { continue; }
      let comm = '';
      try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* gone meanwhile */ }
      return `pid ${pid}${comm ? `, ${comm}` : ''}`;
    }
  }
  return undefined;
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
