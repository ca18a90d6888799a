/**
 * host-obstacles — what the host already uses, for subnet selection: on-link routes and
 * interface addresses of tsnet's netns (asked of netlink, never /sys, so it follows
 * nsenter/ip netns exec), and the nameservers of /etc/resolv.conf (through systemd-resolved's
 * upstream list when the stub resolver is all it names, as Docker does).
 */
import { readFileSync } from 'node:fs';
import type { HostObstacles } from '../ipam/select-subnet.js';
import { isSystemdResolvedStub, parseResolvConf } from '../ipam/resolv-conf.js';
import type { LinkOps } from '../netlink/linkops.js';

function readNameservers(): string[] {
  const read = (path: string): string[] => {
    try { return parseResolvConf(readFileSync(path, 'utf8')); } catch { return []; }
  };
  const servers = read('/etc/resolv.conf');
  return isSystemdResolvedStub(servers) ? read('/run/systemd/resolve/resolv.conf') : servers;
}

export async function hostObstacles(host: LinkOps, ownBridge?: string, family: 4 | 6 = 4): Promise<HostObstacles> {
  // IPv6 link-local routes (fe80::/64 on every link) can never clash with a network's subnet.
  const routes = (await host.listRoutes(family)).filter((r) => r.dst !== 'default' && !r.gateway && r.dev !== ownBridge && !r.dst.startsWith('fe80:'));
  const addresses = (await host.listAddrs()).filter((a) => a.family === family && a.ifname !== ownBridge && !a.cidr.startsWith('fe80:'));
  return {
    routes: routes.map((r) => ({ cidr: r.dst, name: r.dev })),
    addresses: addresses.map((a) => ({ cidr: a.cidr, name: a.ifname })),
    nameservers: readNameservers(),
  };
}
