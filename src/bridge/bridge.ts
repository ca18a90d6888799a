/**
 * bridge — Linux bridges as tsnet makes and retires them: created up with a chosen MTU
 * (a concurrent creator winning the race is fine), the MTU docker0 would get (that of the
 * default route's interface), and whether anything still uses a bridge.
 */
import { randomBytes } from 'node:crypto';
import { TsnetError } from '../core/errors.js';
import type { LinkOps } from '../netlink/linkops.js';

export const FALLBACK_MTU = 1500;

/**
 * ensureBridge — creates and brings up the bridge; returns false when it already existed.
 * A new bridge gets a fixed random MAC (as Docker gives docker0): left alone, a bridge takes
 * the lowest MAC of its ports and changes it when that port leaves, and every guest's ARP
 * entry for the gateway then points at a MAC nobody answers to until it expires (seen as a
 * lost DHCPRELEASE after another guest detached).
 */
export async function ensureBridge(host: LinkOps, name: string, mtu: number): Promise<boolean> {
  let created = false;
  try {
    await host.addBridge(name, { mtu });
    created = true;
  } catch (e) {
    // Another tsnet process may have created it a moment ago.
    if (!(e instanceof TsnetError && e.code === 'ECONFLICT')) throw e;
  }
  await host.setLink(name, created ? { mac: randomMac(), up: true } : { up: true });
  return created;
}

/** randomMac — a random locally administered unicast MAC (02:xx:...). */
function randomMac(): string {
  return ['02', ...randomBytes(5).toString('hex').match(/../g)!].join(':');
}

/** defaultRouteMtu — MTU of the interface behind the IPv4 default route (docker0's rule). */
export async function defaultRouteMtu(host: LinkOps): Promise<number> {
  const def = (await host.listRoutes(4)).find((r) => r.dst === 'default' && r.dev);
  if (!def?.dev) return FALLBACK_MTU;
  return (await host.getLink(def.dev))?.mtu ?? FALLBACK_MTU;
}

/**
 * bridgeInUse — true while the bridge has ports or an address other than its link-local
 * one (someone configured it); 'gone' when it no longer exists.
 */
export async function bridgeInUse(host: LinkOps, name: string): Promise<boolean | 'gone'> {
  const link = await host.getLink(name);
  if (!link) return 'gone';
  const ports = (await host.listLinks()).filter((l) => l.masterIndex === link.index);
  const addrs = await host.listAddrs(name);
  return ports.length > 0 || addrs.some((a) => !a.cidr.startsWith('fe80:'));
}
