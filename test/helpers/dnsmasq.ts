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
  /** What dnsmasq logged so far (--log-dhcp), for failure messages. */
  log(): string;
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
  // Its log goes to a file, not a pipe: a test that blocks its event loop in spawnSync would
  // not drain a pipe, and dnsmasq stops answering once its log writes block.
  const logFile = join(dir, 'dnsmasq.log');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--port=0', `--interface=${bridge}`, '--bind-interfaces',
    '--no-ping', '--log-dhcp', `--log-facility=${logFile}`, `--dhcp-leasefile=${leaseFile}`, `--pid-file=${pidFile}`, ...args], { stdio: 'ignore' });
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // Ready once it says it bound its DHCP socket.
  for (let i = 0; i < 100 && !log().includes('sockets bound exclusively'); i++) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log()}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  return {
    leaseFile,
    leases: () => (existsSync(leaseFile) ? readFileSync(leaseFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ')) : []),
    log,
    stop: () => { if (child.exitCode === null) child.kill('SIGTERM'); },
  };
}
