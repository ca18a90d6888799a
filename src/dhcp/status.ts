/**
 * status — `tsnet dhcp status`: what the root's lease keeper is doing, read from state and
 * /proc (it asks the keeper nothing, so it answers while the keeper hangs or is gone): the
 * keeper (pid, since, the namespace it runs in, its log), every lease it keeps (guest,
 * interface, address, server, when it was obtained, renews, rebinds and expires, phase), the
 * DHCP servers of --dhcp-server networks (range, leases given) and the tail of its log.
 * JSON kind "dhcp status": every key always present, null when unknown, times RFC 3339.
 */
import { closeSync, openSync, readlinkSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { DhcpContext } from './dhcp-context.js';
import { KEEPER_LOG, keeperAlive } from './supervise.js';
import { recordedHome } from './keeper-netns.js';

export interface KeeperView {
  running: boolean;
  pid: number | null;
  /** When the running keeper took the role. */
  since: string | null;
  /** The network namespace it runs in ("net:[inode]"); when none runs, the one it belongs in (recorded), if any. */
  netns: string | null;
  log: string;
}

export interface KeptLeaseView {
  guest: string;
  interface: string;
  attachedTo: string;
  mac: string;
  hostname: string | null;
  /** address/prefix, null until one is granted. */
  address: string | null;
  server: string | null;
  /** When the server last granted or renewed it. */
  obtainedAt: string | null;
  renewsAt: string | null;
  rebindsAt: string | null;
  expiresAt: string | null;
  leaseSeconds: number | null;
  /** The client's state: SELECTING, REQUESTING, BOUND, RENEWING, REBINDING, INIT-REBOOT… */
  phase: string;
  updatedAt: string;
}

export interface ServerView {
  network: string;
  bridge: string;
  serverIp: string;
  rangeStart: string;
  rangeEnd: string;
  leaseSeconds: number;
  /** Bound leases not yet expired. */
  leasesGiven: number;
}

export interface DhcpStatus {
  keeper: KeeperView;
  leases: KeptLeaseView[];
  servers: ServerView[];
  /** The last lines of the keeper's log (each "RFC3339-time message"). */
  log: string[];
}

/** At most this much of the log's end is read for -n (the file itself is capped at 1 MiB). */
const TAIL_BYTES = 256 * 1024;

export function dhcpStatus(ctx: DhcpContext, opts: { lines: number; now?: number }): DhcpStatus {
  const now = opts.now ?? Date.now();
  const logPath = join(ctx.root, KEEPER_LOG);
  const k = ctx.dhcpLeases.keeper();
  const running = k !== undefined && keeperAlive(k);
  const keeper: KeeperView = {
    running,
    pid: running ? k.pid : null,
    since: running ? k.startedAt : null,
    netns: (running ? netnsOf(k.pid) : undefined) ?? (ctx.meta && recordedHome(ctx.meta, ctx.hostNetns)) ?? null,
    log: logPath,
  };
  const leases = keptLeases(ctx);
  const servers = ctx.dhcpServers.all().map((s): ServerView => ({
    network: s.network, bridge: s.bridge, serverIp: s.config.serverIp, rangeStart: s.config.rangeStart, rangeEnd: s.config.rangeEnd,
    leaseSeconds: s.config.leaseSecs,
    leasesGiven: ctx.dhcpServers.leases(s.networkId).filter((l) => l.state === 'bound' && l.expiresAt > now).length,
  }));
  return { keeper, leases, servers, log: tail(logPath, opts.lines) };
}

/** keptLeases — every lease the keeper keeps, as `dhcp status` and `dhcp leases` show it (JSON kind "dhcp lease"). */
export function keptLeases(ctx: DhcpContext): KeptLeaseView[] {
  const at = (boundAt: number, secs: number): string => new Date(boundAt + secs * 1000).toISOString();
  return ctx.dhcpLeases.kept().map((r): KeptLeaseView => {
    const l = r.lease;
    return {
      guest: r.guest, interface: r.ctrIf, attachedTo: r.hostTarget, mac: r.mac, hostname: r.hostname,
      address: l ? `${l.address}/${l.prefix}` : null, server: l?.serverId ?? null,
      obtainedAt: l ? new Date(l.boundAt).toISOString() : null,
      renewsAt: l ? at(l.boundAt, l.t1Secs) : null, rebindsAt: l ? at(l.boundAt, l.t2Secs) : null,
      expiresAt: l ? at(l.boundAt, l.leaseSecs) : null, leaseSeconds: l?.leaseSecs ?? null,
      phase: r.phase, updatedAt: r.updatedAt,
    };
  });
}

/** The keys of a KeptLeaseView, in order (for --format checks on an empty listing). */
export const KEPT_LEASE_FIELDS = ['guest', 'interface', 'attachedTo', 'mac', 'hostname', 'address', 'server', 'obtainedAt', 'renewsAt', 'rebindsAt', 'expiresAt', 'leaseSeconds', 'phase', 'updatedAt'] as const;

function netnsOf(pid: number): string | undefined {
  try { return readlinkSync(`/proc/${pid}/ns/net`); } catch { return undefined; }
}

/** tail — the last n lines of a file ([] when it is missing or n is 0). */
export function tail(path: string, n: number): string[] {
  if (n <= 0) return [];
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return []; }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (len < size) lines.shift(); // cut mid-line
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}
