/**
 * crash — helpers for the crash tests (issue 9): a picture of everything tsnet owns in a
 * test host and its guests (kernel and state, comparable with deepEqual), the steps an
 * operation records (TSNET_STEP_TRACE), and a run that SIGKILLs itself at a step
 * (TSNET_KILL_AT). The state is read straight from the root's database: a CLI call per look
 * would triple the suite's time, and `ls` reads those same rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { firewallSnapshot, linksJson, snapshot } from './netns';
import { TSNET_BIN } from './tsnet';

export interface KilledRun { signal: NodeJS.Signals | null; status: number | null; stderr: string }

/** runKilledAt — `tsnet ARGS` in the host netns with TSNET_KILL_AT=op:step (hooks on). */
export function runKilledAt(host: string, root: string, args: string[], killAt: string, env: Record<string, string> = {}): KilledRun {
  const r = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, args[0]!, '--root', root, ...args.slice(1)], {
    encoding: 'utf8', env: { ...process.env, TSNET_LINKOPS: 'netlink', TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: killAt, ...env },
  });
  return { signal: r.signal, status: r.status, stderr: r.stderr };
}

/** stepsOf — the `op:step` lines one clean run recorded, in order (each op's steps once, `#n` for repeats). */
export function stepsOf(trace: string): string[] {
  if (!existsSync(trace)) return [];
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const line of readFileSync(trace, 'utf8').split('\n').filter(Boolean)) {
    const n = (seen.get(line) ?? 0) + 1;
    seen.set(line, n);
    out.push(n === 1 ? line : `${line}#${n}`);
  }
  rmSync(trace, { force: true });
  return out;
}

/** stateRows — what the root's state says, without ids, times or random MACs. */
export function stateRows(root: string): Record<string, unknown[]> {
  const file = join(root, 'state.db');
  if (!existsSync(file)) return {};
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    const all = (sql: string): unknown[] => db.prepare(sql).all();
    return {
      attachments: all('SELECT guest, ctr_if, kind, host_if, host_target FROM attachments ORDER BY guest, ctr_if'),
      addresses: all('SELECT segment, cidr FROM attachment_addresses ORDER BY segment, cidr'),
      networks: all('SELECT name, bridge, subnet, gateway, bridge_created, gateway_added FROM networks ORDER BY name'),
      ports: all('SELECT protocol, host_ip, host_port, container_ip, container_port FROM ports ORDER BY host_port'),
      bridges: all('SELECT name FROM created_bridges ORDER BY name'),
      intents: all('SELECT op, object, step FROM intents ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

/** hostSysctls — forwarding and each interface's route_localnet in the test host (named: `sysctl -a` takes 250 ms). */
function hostSysctls(host: string): string[] {
  const keys = ['net.ipv4.ip_forward', ...linksJson(host).map((l) => `net/ipv4/conf/${l.ifname}/route_localnet`)];
  const r = spawnSync('ip', ['netns', 'exec', host, 'sysctl', ...keys], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** picture — the kernel of the host and the guests (links, addresses, routes, sysctls, firewall) and the state. */
export function picture(host: string, guests: readonly string[], root: string): string {
  // Link-local IPv6 addresses follow the random MACs; that one is there is all that counts.
  const stable = (ns: string): string => snapshot(ns).replace(/fe80::[0-9a-f:]+\/64/g, 'fe80::LL/64');
  return JSON.stringify({
    host: stable(host), sysctls: hostSysctls(host), firewall: firewallSnapshot(host).split('\n'),
    guests: guests.map(stable), state: stateRows(root),
  }, null, 1);
}
