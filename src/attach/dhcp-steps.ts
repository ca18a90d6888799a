/**
 * dhcp-steps — the plan steps of `attach ... dhcp`: after the link is up, get a lease from
 * inside the guest (DORA, or INIT-REBOOT of the address this client-id held before), apply
 * it (address, MTU, routes; the old default route is remembered for detach), record it,
 * and hand it to the lease keeper. A timeout fails the step and the plan unwinds the
 * interface; an undo after the lease was granted releases it again.
 */
import type { Plan } from '../core/plan.js';
import { debug, warn } from '../core/log.js';
import type { LinkOps, RouteInfo } from '../netlink/linkops.js';
import type { ResolvedGuest } from '../netns/guest.js';
import { acquireLease, releaseLease } from '../dhcp/acquire.js';
import { applyLease, leaseCidr, leaseRoutes, removeLease } from '../dhcp/apply-lease.js';
import type { BoundLease } from '../dhcp/client-machine.js';
import { clientIdentity, defaultClientId, defaultHostname, type DhcpClientOptions } from '../dhcp/client-options.js';
import { ensureKeeper } from '../dhcp/supervise.js';
import type { EngineContext } from '../engine/context.js';
import { giveBackDefault, takeOverDefault } from './default-route.js';

export interface DhcpStepInput {
  ctx: EngineContext;
  guest: ResolvedGuest;
  inGuest: LinkOps;
  ctrIf: string;
  /** The L2 segment (bridge or parent) the address is recorded on. */
  segment: string;
  options: DhcpClientOptions;
  recordId: () => number;
}

/** addDhcpSteps — adds the steps; returns a getter for the leased address (for the GARP step). */
export function addDhcpSteps(plan: Plan, input: DhcpStepInput): () => string[] {
  const { ctx, guest, inGuest, ctrIf, options } = input;
  const clientId = options.clientId ?? defaultClientId(guest.name, ctrIf);
  const hostname = options.hostname ?? defaultHostname(guest.name);
  let lease: BoundLease | undefined;
  let previous: RouteInfo[] = [];
  let mac = '';
  const identity = (): ReturnType<typeof clientIdentity> => clientIdentity(mac, clientId, hostname, options.extraParams);

  plan.add({
    name: 'dhcp-lease',
    describe: `get a DHCP lease for ${ctrIf} from inside ${guest.name} (client-id ${clientId}${hostname ? `, hostname ${hostname}` : ''}, timeout ${options.timeoutMs / 1000}s) and apply it`,
    apply: async () => {
      // The server may be tsnet's own (network create --dhcp-server), run by the keeper.
      ensureKeeper(ctx, false);
      mac = (await inGuest.getLink(ctrIf))?.mac ?? '';
      const remembered = ctx.dhcpLeases.remembered(clientId);
      lease = await acquireLease(guest, ctrIf, identity(), { timeoutMs: options.timeoutMs, remembered, log: (m) => debug(`dhcp ${ctrIf}: ${m}`) });
      if (leaseRoutes(lease, ctrIf).some((r) => r.dst === 'default')) previous = await takeOverDefault(ctx, inGuest, input.recordId(), 4);
      await applyLease(inGuest, ctrIf, lease);
      ctx.dhcpLeases.insert({
        attachmentId: input.recordId(), mac, clientId, hostname: hostname ?? null,
        params: identity().params, phase: 'BOUND', lease,
      });
      ctx.attachments.setAddresses(input.recordId(), input.segment, [leaseCidr(lease)]);
    },
    undo: async () => {
      if (!lease) return;
      // RELEASE first: it is sent from the leased address, over the route that comes with it.
      await releaseLease(guest, ctrIf, identity(), lease).catch((e: Error) => warn(`DHCPRELEASE of ${lease?.address} not sent: ${e.message}`));
      await removeLease(inGuest, ctrIf, lease);
      await giveBackDefault(inGuest, 4, previous);
    },
  });
  plan.add({
    name: 'dhcp-keeper',
    describe: 'hand the lease to the lease keeper (started if it is not running)',
    apply: () => { ensureKeeper(ctx, true); },
  });
  return () => (lease ? [lease.address] : []);
}

/**
 * releaseAtDetach — detach of a DHCP attachment: the keeper stops keeping the lease (row
 * removed, keeper signalled) and the server gets a DHCPRELEASE while the interface still
 * exists. A guest that is already gone cannot send one; the server's lease then expires.
 */
export async function releaseAtDetach(ctx: EngineContext, attachmentId: number, ctrIf: string, guest: ResolvedGuest | undefined, warnings: string[]): Promise<void> {
  const rec = ctx.dhcpLeases.get(attachmentId);
  if (!rec) return;
  ctx.dhcpLeases.remove(attachmentId);
  ensureKeeper(ctx, true);
  if (!guest || !rec.lease) return;
  debug(`dhcp ${ctrIf}: DHCPRELEASE of ${rec.lease.address} to ${rec.lease.serverId}`);
  const id = clientIdentity(rec.mac, rec.clientId, rec.hostname ?? undefined, rec.params);
  await releaseLease(guest, ctrIf, id, rec.lease).catch((e: Error) => warnings.push(`DHCPRELEASE of ${rec.lease?.address} not sent: ${e.message}`));
  // Sent is not delivered: on a busy machine the datagram can still wait in the veth peer's
  // receive backlog, and deleting the interface right away flushes it. A moment's grace.
  await new Promise((r) => setTimeout(r, RELEASE_GRACE_MS));
}

/** How long detach waits after a DHCPRELEASE before it deletes the interface. */
const RELEASE_GRACE_MS = 20;
