/**
 * default-route — taking over a guest's default route and giving it back: the old routes
 * are remembered in the attachment's record so detach (or an undo) can restore them. Used
 * by pipework's @gw and by a DHCP lease with a router.
 */
import type { LinkOps, RouteInfo } from '../netlink/linkops.js';
import type { DefaultRoute } from '../state/attachments.js';
import type { EngineContext } from '../engine/context.js';

/**
 * takeOverDefault — removes the guest's current default routes and remembers them in the
 * attachment's record, so detach (or an undo) can put them back. Returns them.
 */
export async function takeOverDefault(ctx: EngineContext, inGuest: LinkOps, recordId: number, family: 4 | 6): Promise<RouteInfo[]> {
  const previous = (await inGuest.listRoutes(family)).filter((r) => r.dst === 'default');
  const remembered: DefaultRoute[] = previous.map((r) => ({ family, gateway: r.gateway, dev: r.dev, metric: r.metric }));
  ctx.attachments.addReplacedDefault(recordId, remembered);
  for (const r of previous) await inGuest.delRoute({ family, dst: 'default', gateway: r.gateway, dev: r.dev, metric: r.metric });
  return previous;
}

/** giveBackDefault — the undo of takeOverDefault. */
export async function giveBackDefault(inGuest: LinkOps, family: 4 | 6, previous: RouteInfo[]): Promise<void> {
  for (const r of previous) await inGuest.addRoute({ family, dst: 'default', gateway: r.gateway, dev: r.dev, metric: r.metric });
}
