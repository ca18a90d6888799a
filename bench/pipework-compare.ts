/**
 * bench/pipework-compare — the original pipework script and tsnet side by side on the same
 * invocations, each in a world of its own (a host netns and a guest netns, tsnet-t-*), and
 * the resulting kernel state compared: the guest's interface (kind, MAC when asked for,
 * MTU, state, carrier), its addresses and routes, and on the host the bridge, its ports
 * and the parent NIC's state. pipework is not vendored: give its path.
 *
 *   node dist/bench/pipework-compare.js --pipework /path/to/pipework [--json]
 *
 * pipework finds guests through `docker inspect`; a two-line stand-in on PATH answers with
 * the PID of a sleeper in the guest netns. pipework links /var/run/netns/<pid> for
 * `ip netns exec`: it runs in a private mount namespace with its own tmpfs there (and its
 * own /etc/resolv.conf), so nothing of it reaches the machine's files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Sandbox } from './lib/sandbox.js';
import { run } from './lib/stats.js';

const TSNET = join(resolve(__dirname, '..', '..'), 'bin', 'tsnet');

interface Case {
  name: string;
  /** Arguments after HOSTIF for both tools: GUEST is replaced by each tool's guest. */
  hostIf: (host: string) => string;
  args: string[];
  /** Prepares the host netns (NICs, bridges) the same way for both tools. */
  setup?: (host: string, sb: Sandbox) => void;
}

const CASES: Case[] = [
  { name: 'bridge (created), static address and gateway', hostIf: () => 'br0', args: ['GUEST', '10.70.0.2/24@10.70.0.1'] },
  { name: 'U:<name> MAC', hostIf: () => 'br0', args: ['GUEST', '10.70.0.3/24', 'U:web-1'] },
  { name: 'explicit MAC, -i eth2', hostIf: () => 'br0', args: ['-i', 'eth2', 'GUEST', '10.70.0.4/24', '02:12:34:56:78:9a'] },
  { name: 'gateway outside the subnet', hostIf: () => 'br0', args: ['GUEST', '10.70.0.5/24@10.70.9.1'] },
  { name: 'macvlan on a NIC that is down', hostIf: () => 'phys0', args: ['GUEST', '10.71.0.2/24@10.71.0.1'], setup: (host, sb) => wireOut(host, sb, 'phys0', false) },
  {
    name: 'mac:<MAC> of a NIC whose MAC its bridge took',
    hostIf: (host) => `mac:${linkOf(host, 'eth0')?.address ?? ''}`,
    args: ['GUEST', '10.72.0.2/24'],
    setup: (host, sb) => {
      wireOut(host, sb, 'eth0', true);
      run(['ip', '-n', host, 'link', 'add', 'br0', 'type', 'bridge']);
      run(['ip', '-n', host, 'link', 'set', 'eth0', 'master', 'br0']);
      run(['ip', '-n', host, 'link', 'set', 'br0', 'up']);
    },
  },
];

interface Link { ifname: string; address?: string; mtu?: number; operstate?: string; flags?: string[]; master?: string; linkinfo?: { info_kind?: string } }

function linksOf(ns: string): Link[] {
  return JSON.parse(run(['ip', '-n', ns, '-j', '-d', 'link', 'show'])) as Link[];
}
function linkOf(ns: string, name: string): Link | undefined {
  return linksOf(ns).find((l) => l.ifname === name);
}

/** wireOut — a NIC for the host: one end of a veth pair whose other end is in a netns of its own. */
function wireOut(host: string, sb: Sandbox, name: string, up: boolean): void {
  const outside = sb.netns(`out${Math.random().toString(16).slice(2, 8)}`);
  run(['ip', 'link', 'add', name, 'netns', host, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', outside]);
  run(['ip', '-n', outside, 'link', 'set', 'uplink', 'up']);
  if (up) run(['ip', '-n', host, 'link', 'set', name, 'up']);
}

/** state — what a user would compare: the guest's side, and the host's bridge/NIC. */
function state(host: string, guest: string, ctrIf: string, hostIf: string, macAsked: boolean): Record<string, string> {
  const l = linkOf(guest, ctrIf);
  const addrs = JSON.parse(run(['ip', '-n', guest, '-j', 'addr', 'show', 'dev', ctrIf])) as Array<{ addr_info: Array<{ local: string; prefixlen: number; family: string; scope: string }> }>;
  const routes = JSON.parse(run(['ip', '-n', guest, '-j', '-4', 'route', 'show'])) as Array<{ dst: string; gateway?: string; dev?: string; scope?: string; flags?: string[] }>;
  const hostLinks = linksOf(host);
  const bridge = hostLinks.find((h) => h.linkinfo?.info_kind === 'bridge');
  const parent = hostIf.startsWith('mac:') ? undefined : hostLinks.find((h) => h.ifname === hostIf);
  return {
    'guest interface': l ? `${ctrIf} ${l.linkinfo?.info_kind ?? 'device'} mtu ${l.mtu} ${l.operstate}${l.flags?.includes('LOWER_UP') ? ' carrier' : ''}` : 'missing',
    'guest MAC': macAsked ? (l?.address ?? '-') : '(random)',
    'guest IPv4': addrs.flatMap((a) => a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)).join(' ') || '-',
    'guest routes': routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}${r.scope === 'link' ? ' scope link' : ''}${r.flags?.includes('linkdown') ? ' linkdown' : ''}`).sort().join('; '),
    'host bridge': bridge ? `${bridge.ifname} ${bridge.flags?.includes('UP') ? 'UP' : 'DOWN'} ports: ${hostLinks.filter((h) => h.master === bridge.ifname).map((h) => h.linkinfo?.info_kind ?? 'device').sort().join(',')}` : '-',
    'parent NIC': parent && parent.linkinfo?.info_kind !== 'bridge' ? `${parent.ifname} ${parent.flags?.includes('UP') ? 'UP' : 'DOWN'}` : '-',
  };
}

/** sleeper — a process in the guest netns: what pipework's `docker inspect` stand-in names. */
function sleeper(guest: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', guest, 'sleep', '600'], { stdio: 'ignore' });
}

function runPipework(pipework: string, shimDir: string, host: string, argv: string[]): { status: number; stderr: string } {
  // A private mount namespace: /var/run/netns and /etc/resolv.conf of pipework's own.
  const script = 'mount -t tmpfs tmpfs /run/netns && touch "$0/resolv.conf" && mount --bind "$0/resolv.conf" /etc/resolv.conf && exec "$@"';
  const r = spawnSync('ip', ['netns', 'exec', host, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, shimDir, 'sh', pipework, ...argv],
    { encoding: 'utf8', env: { ...process.env, PATH: `${shimDir}:${process.env['PATH'] ?? ''}` } });
  return { status: r.status ?? 1, stderr: r.stderr };
}

function main(): void {
  const { values } = parseArgs({ options: { pipework: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.pipework) throw new Error('give the original script: --pipework /path/to/pipework');
  const pipework = resolve(values.pipework);
  const sb = new Sandbox();
  const sleepers: ChildProcess[] = [];
  const results: Array<{ case: string; rows: Array<{ aspect: string; pipework: string; tsnet: string; same: boolean }>; errors: string[] }> = [];
  try {
    const shimDir = sb.tmpdir('shim');
    // docker inspect --format='{{ .State.Pid }}' NAME → the sleeper's pid written to $dir/NAME.
    writeFileSync(join(shimDir, 'docker'), '#!/bin/sh\nname="$3"; case "$2" in *Pid*) cat "$(dirname "$0")/$name";; *.Name*) echo "/$name";; *) echo "$name";; esac\n');
    chmodSync(join(shimDir, 'docker'), 0o755);
    for (const c of CASES) {
      const world = (tool: string): { host: string; guest: string } => {
        const host = sb.netns(`${tool}h${results.length}`);
        c.setup?.(host, sb);
        return { host, guest: sb.netns(`${tool}g${results.length}`) };
      };
      const p = world('pw');
      const t = world('ts');
      const s = sleeper(p.guest);
      sleepers.push(s);
      writeFileSync(join(shimDir, 'guest'), `${s.pid}\n`);
      spawnSync('sleep', ['0.2']);
      const errors: string[] = [];
      const pr = runPipework(pipework, shimDir, p.host, [c.hostIf(p.host), ...c.args.map((a) => (a === 'GUEST' ? 'guest' : a))]);
      if (pr.status !== 0) errors.push(`pipework exit ${pr.status}: ${pr.stderr.trim()}`);
      const root = sb.tmpdir('root');
      const tr = spawnSync('ip', ['netns', 'exec', t.host, TSNET, 'attach', '--root', root, c.hostIf(t.host), ...c.args.map((a) => (a === 'GUEST' ? t.guest : a))], { encoding: 'utf8' });
      if (tr.status !== 0) errors.push(`tsnet exit ${tr.status}: ${tr.stderr.trim()}`);
      const ctrIf = c.args.includes('-i') ? c.args[c.args.indexOf('-i') + 1]! : 'eth1';
      const macAsked = c.args.some((a) => a.startsWith('U:') || /^[0-9a-f]{2}:/.test(a));
      const ps = state(p.host, p.guest, ctrIf, c.hostIf(p.host), macAsked);
      const ts = state(t.host, t.guest, ctrIf, c.hostIf(t.host), macAsked);
      const rows = Object.keys(ps).map((aspect) => ({ aspect, pipework: ps[aspect]!, tsnet: ts[aspect]!, same: ps[aspect] === ts[aspect] }));
      results.push({ case: c.name, rows, errors });
      s.kill('SIGKILL');
    }
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
    sb.cleanup();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  let differ = 0;
  for (const r of results) {
    process.stdout.write(`\n## ${r.case}\n`);
    for (const e of r.errors) process.stdout.write(`  ! ${e}\n`);
    for (const row of r.rows) {
      if (!row.same) differ++;
      process.stdout.write(`  ${row.same ? 'same ' : 'DIFF '} ${row.aspect.padEnd(16)} pipework: ${row.pipework}\n${row.same ? '' : `${' '.repeat(24)}tsnet:    ${row.tsnet}\n`}`);
    }
  }
  process.stdout.write(`\n${results.length} cases, ${results.reduce((n, r) => n + r.rows.length, 0)} aspects, ${differ} differ\n`);
}

main();
