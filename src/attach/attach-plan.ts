/**
 * attach-plan — the kernel steps of one attachment, each with its undo, in the order that
 * makes the guest usable the moment its link comes up: interface → (bridge port / VLAN) →
 * arp_notify → addresses → link up (the kernel sends the gratuitous ARP here, at no cost)
 * → gateway. Step names are the TSNET_FAULT hook keys used by the rollback tests.
 */
import { Plan, type Step } from '../core/plan.js';
import type { LinkOps, RouteInfo } from '../netlink/linkops.js';
import type { ResolvedGuest } from '../netns/guest.js';
import { openCurrentNetns } from '../netns/guest.js';
import { contains, parseCidr, parseIp } from '../ipam/cidr.js';
import { run } from '../core/exec.js';
import { giveBackDefault, takeOverDefault } from './default-route.js';
import type { EngineContext } from '../engine/context.js';
import type { HostSide } from './host-side.js';
import type { AttachRequest, StaticAddress } from './spec.js';
import type { NetworkRecord } from '../state/networks.js';
import { firstFreeAddress } from '../ipam/allocate.js';
import { sendFrame } from '../netns/packet-socket.js';
import { warn } from '../core/log.js';
import { ETH_P_ARP, gratuitousArp } from './arp-frame.js';
import { bridgeInUse, ensureBridge } from '../bridge/bridge.js';
import type { DhcpClientOptions } from '../dhcp/client-options.js';
import { addDhcpSteps } from './dhcp-steps.js';
import { planBridgeVlan, planParentVlan, vlanSubIfName, type VlanOp } from './vlan.js';

export interface AttachPlanInput {
  ctx: EngineContext;
  req: AttachRequest;
  side: HostSide;
  guest: ResolvedGuest;
  host: LinkOps;
  inGuest: LinkOps;
  hostSideName: string;
  specKey: string;
  /** The tsnet network HOSTIF named, if any. */
  network?: NetworkRecord | undefined;
  /** IPSPEC dhcp: the parsed client options. */
  dhcp?: DhcpClientOptions | undefined;
}

export function buildAttachPlan(input: AttachPlanInput): Plan {
  const { ctx, req, side, guest, host, inGuest, hostSideName, network } = input;
  const plan = new Plan();
  // The addresses are known now, or (network mode) allocated by the record step.
  const auto = req.ip.mode === 'network' && network !== undefined;
  let addresses: StaticAddress[] = req.ip.mode === 'static' ? req.ip.addresses : [];
  const gateway = req.ip.mode === 'static' ? req.ip.gateway : auto && !req.noDefaultRoute ? { family: 4 as const, ip: network.gateway } : undefined;
  // A dual-stack network also gives an IPv6 address and default route.
  const gateway6 = auto && !req.noDefaultRoute && network.gateway6 ? { family: 6 as const, ip: network.gateway6 } : undefined;
  let recordId = 0;

  plan.add({
    name: 'record',
    describe: `reserve ${guest.name} ${req.ctrIf}${auto ? ` and the next free address of network ${network.name}` : addresses.length ? ` and ${addresses.map((a) => a.cidr).join(',')} on ${side.target}` : ''} in state`,
    apply: () => {
      const reserved = ctx.attachments.reserve({
        guest: guest.name, netnsId: guest.netnsId, ctrIf: req.ctrIf, kind: side.mode, hostIf: hostSideName,
        hostTarget: side.target, mac: req.mac ?? null, vlan: req.vlan ?? null, specKey: input.specKey,
        spec: { ...req }, gateway: gateway?.ip ?? null, addresses: addresses.map((a) => a.cidr),
      }, auto ? (taken) => networkAddresses(network, taken) : undefined);
      recordId = reserved.id;
      addresses = reserved.addresses.map((cidr) => ({ family: parseCidr(cidr).family, cidr }));
    },
    undo: () => ctx.attachments.remove(recordId),
  });

  if (side.createBridge) addCreateBridge(plan, ctx, host, side);

  if (side.mode === 'veth') {
    plan.add({
      name: 'create-veth',
      describe: `create veth ${hostSideName} <-> ${req.ctrIf} in ${guest.name} (mtu ${side.mtu}${req.mac ? `, mac ${req.mac}` : ''})`,
      apply: () => host.addVeth({ name: hostSideName, peerName: req.ctrIf, mtu: side.mtu, peerMac: req.mac, peerNetns: guest }),
      undo: () => host.deleteLink(hostSideName),
    });
    // --icc=false: members' ports are isolated from each other but still reach the bridge
    // (the gateway, the host and published ports), which is Docker's icc=false without br_netfilter.
    const isolated = (network ?? ctx.networks.byBridge(side.target))?.icc === false;
    plan.add({
      name: 'join-bridge',
      describe: `enslave ${hostSideName} to ${side.target}${isolated ? ' as an isolated port (icc=false)' : ''} and bring it up`,
      apply: () => host.setLink(hostSideName, { master: side.target, up: true, bridgePort: isolated ? { isolated } : undefined }),
    });
    if (req.vlan !== undefined) {
      for (const op of planBridgeVlan(side.target, hostSideName, req.vlan)) plan.add(vlanStep(op));
    }
  } else if (side.mode === 'macvlan') {
    let parent = side.target;
    // pipework brings the parent NIC up: a macvlan on a down NIC has no carrier, and its
    // routes in the guest stay "linkdown". Undone only by a rollback, never by detach.
    if (side.link && !side.link.up) {
      plan.add({
        name: 'parent-up',
        describe: `bring the parent NIC ${side.target} up (it is down)`,
        apply: () => host.setLink(side.target, { up: true }),
        undo: () => host.setLink(side.target, { up: false }),
      });
    }
    if (req.vlan !== undefined) {
      parent = vlanSubIfName(side.target, req.vlan);
      for (const op of planParentVlan(side.target, req.vlan)) plan.add(vlanStep(op));
    }
    plan.add({
      name: 'create-macvlan',
      describe: `create macvlan ${req.ctrIf} (mode bridge) on ${parent} directly in ${guest.name}${req.mac ? `, mac ${req.mac}` : ''}`,
      apply: () => host.addMacvlan({ name: req.ctrIf, parent, mode: 'bridge', mtu: side.mtu, mac: req.mac, netns: guest }),
      undo: () => inGuest.deleteLink(req.ctrIf),
    });
  } else {
    plan.add({
      name: 'move-interface',
      describe: `move ${side.target} into ${guest.name} as ${req.ctrIf}`,
      apply: () => host.setLink(side.target, { up: false, netns: guest, newName: req.ctrIf }),
      undo: async () => {
        const home = openCurrentNetns();
        try { await inGuest.setLink(req.ctrIf, { up: false, netns: home, newName: side.target }); } finally { home.close(); }
      },
    });
    if (req.mac) plan.add({ name: 'set-mac', describe: `set ${req.ctrIf} mac ${req.mac}`, apply: () => inGuest.setLink(req.ctrIf, { mac: req.mac }) });
  }

  const dhcp = input.dhcp;
  if (auto || dhcp || addresses.some((a) => a.family === 4)) {
    plan.add({
      name: 'arp-notify',
      describe: `let the kernel announce ${req.ctrIf}'s addresses on later link or MAC changes (arp_notify=1)`,
      apply: () => inGuest.setSysctl(`net/ipv4/conf/${req.ctrIf}/arp_notify`, '1'),
    });
  }
  const addressCount = auto ? (network.subnet6 ? 2 : 1) : addresses.length;
  for (let i = 0; i < addressCount; i++) {
    const cidr = (): string => addresses[i]!.cidr; // read at apply time: allocation may decide it
    plan.add({
      name: 'add-address',
      describe: auto ? `add the allocated address to ${req.ctrIf}` : `add ${cidr()} to ${req.ctrIf}`,
      apply: () => inGuest.addAddr(req.ctrIf, cidr(), { noDad: true }),
      undo: () => inGuest.delAddr(req.ctrIf, cidr()),
    });
  }
  plan.add({ name: 'link-up', describe: `bring ${req.ctrIf} up in ${guest.name}`, apply: () => inGuest.setLink(req.ctrIf, { up: true }) });
  if (gateway) addGateway(plan, input, gateway, () => recordId);
  if (gateway6) addGateway(plan, input, gateway6, () => recordId);
  const leased = dhcp && addDhcpSteps(plan, { ctx, guest, inGuest, ctrIf: req.ctrIf, segment: side.target, options: dhcp, recordId: () => recordId });
  if (auto || leased || addresses.some((a) => a.family === 4)) {
    addAnnounce(plan, input, leased ?? (() => addresses.filter((a) => a.family === 4).map((a) => a.cidr.split('/')[0]!)));
  }
  return plan;
}

/**
 * addAnnounce — one gratuitous ARP per IPv4 address, so neighbours that cached an old MAC
 * for the address update at once (pipework runs arping). arp_notify alone is not enough on
 * a bridge: the kernel sends it the instant the guest end comes up, while the new bridge
 * port is still disabled (its carrier event is processed asynchronously), and the frame is
 * dropped. So for a veth the frame leaves the guest's interface once its bridge port
 * forwards: then it reaches the other ports and the host's own neighbour table on the
 * bridge (usually the guests' gateway). Should the port not forward in time, it is injected
 * on the bridge, which reaches the other ports only. Best effort: a failure is logged.
 */
function addAnnounce(plan: Plan, input: AttachPlanInput, addressesNow: () => string[]): void {
  const { req, side, host, inGuest, guest, hostSideName } = input;
  plan.add({
    name: 'announce',
    describe: `send a gratuitous ARP for ${req.ctrIf}'s IPv4 addresses`,
    apply: async () => {
      const ips = addressesNow();
      try {
        const ctrLink = await inGuest.getLink(req.ctrIf);
        if (!ctrLink) return;
        const bridge = side.mode === 'veth' && !(await portForwards(host, hostSideName)) ? (side.link ?? (await host.getLink(side.target))) : undefined;
        for (const ip of ips) {
          const frame = gratuitousArp(ctrLink.mac, ip);
          if (bridge) input.ctx.hostFrames().send(bridge.index, ETH_P_ARP, frame);
          else sendFrame(ctrLink.index, ETH_P_ARP, frame, guest);
        }
      } catch (e) {
        warn(`gratuitous ARP for ${ips.join(', ')} not sent: ${(e as Error).message}`);
      }
    },
  });
}

/** How long the announce waits for a new bridge port to forward (it takes microseconds to a few ms). */
const PORT_FORWARD_WAIT_MS = 500;

async function portForwards(host: LinkOps, port: string): Promise<boolean> {
  const deadline = Date.now() + PORT_FORWARD_WAIT_MS;
  for (;;) {
    if ((await host.getLink(port))?.forwarding) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** vlanStep — a planned VLAN operation (vlan.ts) as a plan step; its undo tolerates "gone". */
function vlanStep(op: VlanOp): Step {
  const undo = op.undo;
  return {
    name: 'vlan',
    describe: op.describe,
    apply: async () => { await run(op.argv); },
    undo: undo && (async () => { await run(undo, { allowFailure: true }); }),
  };
}

function addCreateBridge(plan: Plan, ctx: EngineContext, host: LinkOps, side: HostSide): void {
  let created = false;
  plan.add({
    name: 'create-bridge',
    describe: `create bridge ${side.target} (mtu ${side.mtu}) and bring it up`,
    apply: async () => {
      created = await ensureBridge(host, side.target, side.mtu);
      if (created) ctx.createdBridges.remember(side.target);
    },
    undo: async () => {
      if (!created) return;
      // A concurrent attach may have plugged its own guest in meanwhile: the bridge stays for it.
      if ((await bridgeInUse(host, side.target)) === true) return;
      await host.deleteLink(side.target);
      ctx.createdBridges.forget(side.target);
    },
  });
}

/**
 * addGateway — pipework's @gw: the old default route is replaced (and remembered so detach
 * can restore it); a gateway outside every subnet on the interface first gets an on-link
 * host route.
 */
/** networkAddresses — the next free IPv4 address of a network, and IPv6 one when it is dual-stack. */
function networkAddresses(network: NetworkRecord, taken: ReadonlySet<string>): string[] {
  const v4 = firstFreeAddress(network, taken);
  if (!network.subnet6 || !network.gateway6) return [v4];
  return [v4, firstFreeAddress({ subnet: network.subnet6, gateway: network.gateway6 }, taken)];
}

function addGateway(plan: Plan, input: AttachPlanInput, gw: { family: 4 | 6; ip: string }, recordId: () => number): void {
  const { ctx, req, inGuest } = input;
  const addresses = req.ip.mode === 'static' ? req.ip.addresses : [];
  const gwAddr = parseIp(gw.ip).addr;
  // A network's gateway is inside its subnet by construction.
  const onLink = req.ip.mode === 'network' || addresses.some((a) => contains(parseCidr(a.cidr), gw.family, gwAddr));
  const hostRoute = `${gw.ip}/${gw.family === 4 ? 32 : 128}`;
  if (!onLink) {
    plan.add({
      name: 'gateway-route',
      describe: `add on-link route ${hostRoute} dev ${req.ctrIf} (gateway outside the subnet)`,
      apply: () => inGuest.addRoute({ family: gw.family, dst: hostRoute, dev: req.ctrIf, scope: 'link' }),
      undo: () => inGuest.delRoute({ family: gw.family, dst: hostRoute, dev: req.ctrIf }),
    });
  }
  let previous: RouteInfo[] = [];
  plan.add({
    name: 'default-route',
    describe: `replace the default route with via ${gw.ip} dev ${req.ctrIf}`,
    apply: async () => {
      previous = await takeOverDefault(ctx, inGuest, recordId(), gw.family);
      await inGuest.replaceRoute({ family: gw.family, dst: 'default', gateway: gw.ip, dev: req.ctrIf });
    },
    undo: async () => {
      await inGuest.delRoute({ family: gw.family, dst: 'default', gateway: gw.ip, dev: req.ctrIf });
      await giveBackDefault(inGuest, gw.family, previous);
    },
  });
}
