/**
 * host-side — what attach learns about the host before it plans: which interface the user
 * meant, what kind of attachment that implies (veth into a bridge, macvlan on a NIC, or
 * moving the NIC itself), and the MTU a new bridge should get.
 */
import { TsnetError, invalid } from '../core/errors.js';
import type { LinkInfo, LinkOps } from '../netlink/linkops.js';
import type { AttachRequest } from './spec.js';
import { defaultRouteMtu } from '../bridge/bridge.js';

export type AttachMode = 'veth' | 'macvlan' | 'phys';

export interface HostSide {
  mode: AttachMode;
  /** Bridge or parent interface name. */
  target: string;
  /** The bridge does not exist yet and will be created (name starts with "br"). */
  createBridge: boolean;
  /** MTU the new interface gets: the bridge's or parent's, or the default route's for a new bridge. */
  mtu: number;
  link?: LinkInfo | undefined;
}

export async function inspectHostSide(host: LinkOps, req: AttachRequest): Promise<HostSide> {
  const link = await findHostInterface(host, req);
  if (!link) {
    const name = req.hostIf.kind === 'name' ? req.hostIf.name : '';
    if (req.hostIf.kind === 'name' && name.startsWith('br') && !req.directPhys) {
      return { mode: 'veth', target: name, createBridge: true, mtu: await defaultRouteMtu(host) };
    }
    const what = req.hostIf.kind === 'mac' ? `with MAC ${req.hostIf.mac}` : `"${name}"`;
    throw new TsnetError('ENOTFOUND', `host interface ${what} not found (only names starting with "br" are created as bridges)`);
  }
  if (link.name === 'lo') throw invalid('host interface "lo" cannot carry an attachment');
  if (req.directPhys) {
    if (link.kind === 'bridge') throw invalid(`--direct-phys moves a NIC into the guest; ${link.name} is a bridge`);
    return { mode: 'phys', target: link.name, createBridge: false, mtu: link.mtu, link };
  }
  if (link.kind === 'bridge') return { mode: 'veth', target: link.name, createBridge: false, mtu: link.mtu, link };
  return { mode: 'macvlan', target: link.name, createBridge: false, mtu: link.mtu, link };
}

async function findHostInterface(host: LinkOps, req: AttachRequest): Promise<LinkInfo | undefined> {
  if (req.hostIf.kind === 'name') return host.getLink(req.hostIf.name);
  const mac = req.hostIf.mac;
  const matches = (await host.listLinks()).filter((l) => l.mac === mac && l.kind !== 'macvlan');
  // br0 over eth0: the bridge takes its first port's MAC. The bridge is the interface that
  // carries the host's traffic, and pipework attaches to it too.
  const bridges = matches.filter((l) => l.kind === 'bridge');
  if (bridges.length === 1 && matches.every((l) => l === bridges[0] || l.masterIndex === bridges[0]!.index)) return bridges[0];
  if (matches.length > 1) {
    throw invalid(`MAC ${mac} belongs to several host interfaces (${matches.map((m) => m.name).join(', ')}); name one instead`);
  }
  return matches[0];
}
