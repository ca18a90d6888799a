/**
 * apply-lease — puts a lease on the guest's interface and takes it off again: address and
 * prefix, MTU (26), and routes — the classless static routes (121) when the server sent
 * them (RFC 3442: then the router option is ignored), otherwise a default route via the
 * first router. Used by attach (first lease) and the keeper (renewals, changes, expiry).
 */
import { TsnetError } from '../core/errors.js';
import type { LinkOps, RouteSpec } from '../netlink/linkops.js';
import type { BoundLease } from './client-machine.js';

export function leaseCidr(l: { address: string; prefix: number }): string {
  return `${l.address}/${l.prefix}`;
}

/** leaseRoutes — the routes a lease asks for on ifname. */
export function leaseRoutes(l: BoundLease, ifname: string): RouteSpec[] {
  if (l.routes.length > 0) {
    return l.routes.map((r) => ({
      family: 4 as const,
      dst: r.dst === '0.0.0.0/0' ? 'default' : r.dst,
      dev: ifname,
      ...(r.router === '0.0.0.0' ? { scope: 'link' as const } : { gateway: r.router }),
    }));
  }
  const router = l.routers[0];
  return router ? [{ family: 4, dst: 'default', gateway: router, dev: ifname }] : [];
}

/** sameConfig — a renewal that changes nothing on the interface. */
function sameConfig(a: BoundLease, b: BoundLease): boolean {
  return a.address === b.address && a.prefix === b.prefix && a.mtu === b.mtu
    && JSON.stringify(a.routes) === JSON.stringify(b.routes) && a.routers[0] === b.routers[0];
}

/** applyLease — configures ifname for lease, first removing what `previous` set if it differs. */
export async function applyLease(links: LinkOps, ifname: string, lease: BoundLease, previous?: BoundLease): Promise<void> {
  if (previous && sameConfig(previous, lease)) return;
  if (previous) await removeLease(links, ifname, previous);
  if (lease.mtu) {
    const link = await links.getLink(ifname);
    if (link && link.mtu !== lease.mtu) await links.setLink(ifname, { mtu: lease.mtu });
  }
  try {
    await links.addAddr(ifname, leaseCidr(lease));
  } catch (e) {
    if (!(e instanceof TsnetError && e.code === 'ECONFLICT')) throw e; // already there (a renewal after a keeper restart)
  }
  for (const r of leaseRoutes(lease, ifname)) await links.replaceRoute(r);
}

/** removeLease — takes the lease's routes and address off ifname; "already gone" is fine. */
export async function removeLease(links: LinkOps, ifname: string, lease: BoundLease): Promise<void> {
  for (const r of leaseRoutes(lease, ifname)) await links.delRoute(r);
  await links.delAddr(ifname, leaseCidr(lease));
}
