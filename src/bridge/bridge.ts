/**
 * bridge — Linux bridges as tsnet makes and retires them: created up with a chosen MTU
 * (a concurrent creator winning the race is fine), the MTU docker0 would get (that of the
 * default route's interface), and whether anything still uses a bridge.
 */
import { TsnetError } from '../core/errors.js';
import type { LinkOps } from '../netlink/linkops.js';

export const FALLBACK_MTU = 1500;

/** ensureBridge — creates and brings up the bridge; returns false when it already existed. */
export async function ensureBridge(host: LinkOps, name: string, mtu: number): Promise<boolean> {
  let created = false;
  try {
    await host.addBridge(name, { mtu });
    created = true;
  } catch (e) {
    // Another tsnet process may have created it a moment ago.
    if (!(e instanceof TsnetError && e.code === 'ECONFLICT')) throw e;
  }
  await host.setLink(name, { up: true });
  return created;
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
