/**
 * supervise — keeps exactly one lease keeper per state root running while there are
 * leases: any tsnet command that touched state checks it on the way out and starts a new
 * one when the recorded one died. A keeper is identified by pid AND its start time
 * (core/owner.ts), so a recycled pid or a zombie is never taken for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDetached } from '../core/exec.js';
import { processStartTime } from '../core/owner.js';
import type { DhcpContext } from './dhcp-context.js';
import type { KeeperRecord } from '../state/dhcp-leases.js';
import { TsnetError } from '../core/errors.js';
import { currentNetnsId } from '../netns/guest.js';
import { hostNetnsId, netnsPathFor, recordedHome, recordHome } from './keeper-netns.js';

export const KEEPER_LOG = 'dhcp-keeper.log';

export function keeperAlive(k: KeeperRecord): boolean {
  return processStartTime(k.pid) === k.startTime;
}

/** tsnetBin — the Node CLI (bin/tsnet.js) of this installation, from the bundle (dist/) or tsc's output (dist/src/dhcp/). */
export function tsnetBin(): string {
  const candidates = [join(__dirname, '..', 'bin', 'tsnet.js'), join(__dirname, '..', '..', '..', 'bin', 'tsnet.js')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

export type KeeperStatus = 'none' | 'running' | 'started';

/** A keeper this process started: it needs a moment to record itself, so do not start a second. */
let startedHere: number | undefined;

/**
 * ensureKeeper — SIGHUP the live keeper when `notify` (it re-reads the leases at once and
 * exits if none is left); with leases in state and no live keeper, start one, in the root's
 * host namespace (keeper-netns.ts). `notify` comes from the operations that change what the
 * keeper keeps, which run in the host namespace: the first of them records it.
 */
export function ensureKeeper(ctx: DhcpContext, notify: boolean): KeeperStatus {
  // Counted only when needed: every command that used state ends here (cli/with-context.ts),
  // and with a live keeper and no notify there is nothing to count.
  let counted: number | undefined;
  const demand = (): number => (counted ??= ctx.dhcpLeases.count() + ctx.dhcpServers.count() + dnsDemand(ctx));
  if (notify && ctx.meta && demand() > 0) recordHome(ctx.meta, hostNetnsId(ctx.hostNetns), ctx.hostNetns);
  const k = ctx.dhcpLeases.keeper();
  if (k && keeperAlive(k)) {
    if (notify) process.kill(k.pid, 'SIGHUP');
    return 'running';
  }
  if (demand() === 0) return 'none';
  if (startedHere !== undefined && processStartTime(startedHere) !== undefined) return 'started';
  startedHere = spawnDetached([...enterHostNetns(ctx), process.execPath, tsnetBin(), 'dhcp-keeper', '--root', ctx.root], join(ctx.root, KEEPER_LOG));
  return 'started';
}

/** enterHostNetns — the nsenter prefix that puts the keeper into the root's host namespace ([] when this is it). */
function enterHostNetns(ctx: DhcpContext): string[] {
  const recorded = ctx.meta && recordedHome(ctx.meta, ctx.hostNetns);
  if (recorded === undefined || recorded === currentNetnsId()) return [];
  const path = netnsPathFor(recorded, ctx.hostNetns);
  if (!path) throw new TsnetError('ENOTFOUND', `the lease keeper of ${ctx.root} belongs in network namespace ${recorded}, which no longer exists here; run a tsnet command in this root's host namespace`);
  return ['nsenter', `--net=${path}`, '--'];
}

/** dnsDemand — running containers that need the embedded DNS (on a user-created network). */
export function dnsDemand(ctx: DhcpContext): number {
  return ctx.containers?.dnsClients() ?? 0;
}
