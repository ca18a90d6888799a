/**
 * Test helpers for kernel tests: throwaway network namespaces named tsnet-t-<random>,
 * commands run inside them, and a guaranteed cleanup. Tests never touch the machine's
 * own namespace: tsnet itself is run inside a "host" netns made here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopDaemons } from './tsnet.js';

export const isRoot = process.getuid?.() === 0;
export const rootSkip = isRoot ? false : 'needs root (CI runs as root)';

/** sh — run argv, return stdout; throws with stderr on failure. */
export function sh(argv: string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** shInNs — run argv inside a named netns. */
export function shInNs(ns: string, argv: string[], input?: string): string {
  return sh(['ip', 'netns', 'exec', ns, ...argv], input);
}


export class TestNetns {
  readonly created: string[] = [];
  readonly dirs: string[] = [];

  /** make — creates tsnet-t-<random>[-suffix] with lo up; remembered for cleanup. */
  make(suffix = ''): string {
    const name = `tsnet-t-${randomBytes(4).toString('hex')}${suffix ? `-${suffix}` : ''}`;
    sh(['ip', 'netns', 'add', name]);
    this.created.push(name);
    sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  tmpdir(): string {
    const d = mkdtempSync(join(tmpdir(), 'tsnet-t-'));
    this.dirs.push(d);
    return d;
  }

  /** cleanup — removes every namespace and directory made here; throws when a directory will not go. */
  cleanup(): void {
    stopDaemons(this.created);
    for (const ns of this.created.splice(0).reverse()) {
      spawnSync('ip', ['netns', 'del', ns]);
    }
    // Strict on purpose: a directory that cannot go means something of ours still writes in it.
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** linksJson — `ip -j link show` inside ns. */
export function linksJson(ns: string): Array<{ ifname: string; link_type?: string; operstate?: string; address?: string; mtu?: number; master?: string; linkinfo?: { info_kind?: string } }> {
  return JSON.parse(sh(['ip', '-n', ns, '-j', '-d', 'link', 'show']));
}

export function addrsJson(ns: string, dev?: string): Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }> {
  return JSON.parse(sh(['ip', '-n', ns, '-j', 'addr', 'show', ...(dev ? ['dev', dev] : [])]));
}

export function routesJson(ns: string, family: '-4' | '-6' = '-4'): Array<{ dst: string; gateway?: string; dev?: string; scope?: string; flags?: string[] }> {
  return JSON.parse(sh(['ip', '-n', ns, family, '-j', 'route', 'show']));
}

/**
 * snapshot — a comparable picture of a namespace: links (name, kind, master), addrs, routes.
 * IPv6 link-local addresses are left out: the kernel adds them on its own some time after a
 * link gets carrier (late under load), and tsnet never makes them; a link tsnet left behind
 * still shows in links.
 */
export function snapshot(ns: string): string {
  const links = linksJson(ns).map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? ''}:${l.master ?? ''}`).sort();
  const addrs = addrsJson(ns).flatMap((a) => a.addr_info.filter((i) => !(i.family === 'inet6' && /^fe80:/i.test(i.local)))
    .map((i) => `${a.ifname} ${i.local}/${i.prefixlen}`)).sort();
  const routes = [...routesJson(ns, '-4'), ...routesJson(ns, '-6')].map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''}`).sort();
  return JSON.stringify({ links, addrs, routes }, null, 1);
}


/** busyboxPath — busybox-static, installed by .ci/run. */
export const BUSYBOX = '/bin/busybox';

/** ping — one busybox ping from ns to ip; true when answered. */
export function ping(ns: string, ip: string, count = 1): boolean {
  const r = spawnSync('ip', ['netns', 'exec', ns, BUSYBOX, 'ping', '-c', String(count), '-W', '2', ip], { encoding: 'utf8' });
  return r.status === 0;
}


export interface WireEnd {
  ns: string;
  ifname: string;
  /** Address to give this end, e.g. "10.250.0.1/24". */
  cidr?: string;
  mtu?: number;
  /** Bring the end up (default true). */
  up?: boolean;
}

/** wire — a veth pair between two namespaces, each end named, addressed and up as asked. */
export function wire(a: WireEnd, b: WireEnd): void {
  const mtu = (e: WireEnd): string[] => (e.mtu === undefined ? [] : ['mtu', String(e.mtu)]);
  sh(['ip', 'link', 'add', a.ifname, 'netns', a.ns, ...mtu(a), 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns, ...mtu(b)]);
  for (const e of [a, b]) {
    if (e.cidr) sh(['ip', '-n', e.ns, 'addr', 'add', e.cidr, 'dev', e.ifname]);
    if (e.up !== false) sh(['ip', '-n', e.ns, 'link', 'set', e.ifname, 'up']);
  }
}

/**
 * giveOldDefaultRoute — gives guest g an interface tsnet did not make (old0, 172.31.0.2/24,
 * its peer in host) and a default route via 172.31.0.1, for tests of gateway replacement.
 */
export function giveOldDefaultRoute(g: string, host: string): void {
  wire({ ns: g, ifname: 'old0', cidr: '172.31.0.2/24' }, { ns: host, ifname: 'oldpeer', up: false });
  sh(['ip', '-n', g, 'route', 'add', 'default', 'via', '172.31.0.1']);
}

/**
 * firewallSnapshot — the rules and tsnet's chains in a namespace, for before/after
 * comparisons: iptables-save without counters, comments and the built-in chain headers
 * (which nf_tables keeps once a table has existed), then tsnet's nftables table with one
 * element per line, sorted (a map's listing order is the hash's, not the insertion's).
 */
export function firewallSnapshot(ns: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8' });
  const ipt = r.stdout.split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /.test(l)));
  const nft = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'tsnet'], { encoding: 'utf8' });
  const table = nft.status === 0 ? nft.stdout.replace(/elements = \{|\}|,/g, '\n').split('\n').map((l) => l.trim()).filter(Boolean).sort() : [];
  return [...ipt, ...table].join('\n');
}

/** nftRuleset — `nft -s list ruleset` in ns (iptables-nft's tables included; -s: without counters). */
export function nftRuleset(ns: string): string {
  return sh(['ip', 'netns', 'exec', ns, 'nft', '-s', 'list', 'ruleset']);
}

/**
 * addressSeenFrom — the source address a TCP server at `ip` in `serverNs` sees when `clientNs`
 * connects to it: how tests prove that egress is masqueraded (IPv4 or IPv6).
 */
export async function addressSeenFrom(serverNs: string, ip: string, clientNs: string): Promise<string> {
  const server = spawn('ip', ['netns', 'exec', serverNs, process.execPath, '-e',
    `require('net').createServer((s) => s.end(s.remoteAddress)).listen(8080, ${JSON.stringify(ip)}, () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => server.stdout.once('data', resolve));
    return sh(['ip', 'netns', 'exec', clientNs, process.execPath, '-e',
      `const s = require('net').connect(8080, ${JSON.stringify(ip)}); s.on('data', (d) => process.stdout.write(d)); s.setTimeout(3000, () => process.exit(1))`]);
  } finally {
    server.kill();
  }
}
