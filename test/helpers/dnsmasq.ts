/**
 * dnsmasq — Debian's dnsmasq as the real DHCP server peer of the client tests: started in
 * the test's host netns on a bridge, DHCP only (--port=0), lease and pid files in the test's
 * temp dir, stopped (by the pid it wrote) afterwards. --no-ping: dnsmasq otherwise delays
 * every OFFER by its 3 s ICMP probe of the address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './netns';

export interface Dnsmasq {
  leaseFile: string;
  /** Lease file lines as [expiry, mac, ip, hostname, client-id]. */
  leases(): string[][];
  stop(): void;
}

/** bridgeWithGateway — br0 with gw/24 in ns, up. */
export function bridgeWithGateway(ns: string, cidr: string, bridge = 'br0'): void {
  sh(['ip', '-n', ns, 'link', 'add', bridge, 'type', 'bridge']);
  sh(['ip', '-n', ns, 'addr', 'add', cidr, 'dev', bridge]);
  sh(['ip', '-n', ns, 'link', 'set', bridge, 'up']);
}

export async function startDnsmasq(ns: string, dir: string, args: string[], bridge = 'br0'): Promise<Dnsmasq> {
  const leaseFile = join(dir, 'dnsmasq.leases');
  const pidFile = join(dir, 'dnsmasq.pid');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--port=0', `--interface=${bridge}`, '--bind-interfaces',
    '--no-ping', '--log-dhcp', `--dhcp-leasefile=${leaseFile}`, `--pid-file=${pidFile}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  // Ready once it says it bound its DHCP socket.
  for (let i = 0; i < 100 && !stderr.includes('sockets bound exclusively'); i++) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  return {
    leaseFile,
    leases: () => (existsSync(leaseFile) ? readFileSync(leaseFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ')) : []),
    stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); },
  };
}
