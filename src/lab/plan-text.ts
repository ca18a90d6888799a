/**
 * plan-text — `tsnet lab up --dry-run`: what each host's part of the lab would do, in the
 * order `up` does it, computed from the resolved model alone (pure; nothing is looked at).
 * @pure
 */
import { describeImpairment } from '../tc/impairment.js';
import type { LabModel } from './model.js';
import { scopeOf } from './scope.js';

export function planText(model: LabModel, as: string | undefined): string[] {
  const scope = scopeOf(model, as);
  const out: string[] = [];
  if (as === undefined) {
    for (const l of model.links.filter((x) => x.kind === 'underlay')) {
      out.push(`underlay ${l.name}: ${l.type === 'switch' ? `switch (bridge in netns ${l.switchNetns}) joining ${l.hosts.join(', ')}` : `veth wire ${l.ends.map((e) => `${e.owner}:${e.ifname}`).join(' <-> ')}`}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}`);
    }
  }
  for (const h of scope.hosts) {
    out.push(`host ${h.name}${as === undefined ? ` (netns ${h.netns}, state root labs/${model.name}/hosts/${h.name})` : ' (this machine)'}:`);
    let i = 1;
    const step = (s: string): void => { out.push(`  ${i++}. ${s}`); };
    step(`${as === undefined ? 'address' : 'check'} ${h.underlay.cidr} on underlay ${h.underlay.ifname}; net.ipv4.ip_forward=1`);
    for (const n of model.networks.filter((x) => x.host === h.name)) {
      step(`bridge ${n.bridge} (${n.subnet}${n.gatewayCidr ? `, address ${n.gatewayCidr}` : ''}${n.mtu ? `, mtu ${n.mtu}` : ''})${n.stretched ? '; proxy ARP for the subnet\'s other hosts' : ''}`);
      if (n.vxlan) step(`vxlan ${n.vxlan.device} (VNI ${n.vxlan.vni}, port ${n.vxlan.port}) on ${n.bridge} to ${n.vxlan.remotes.map((r) => `${r.host} ${r.ip}`).join(', ') || 'no remote'}`);
    }
    for (const r of model.routes.filter((x) => x.host === h.name)) step(`route ${r.dst} via ${r.via} dev ${r.dev} (to ${r.to})`);
    for (const n of scope.nodes.filter((x) => x.host === h.name)) {
      step(`node ${n.name}: ${n.kind === 'container' ? `container ${n.image}${n.cmd ? ` ${n.cmd.join(' ')}` : ''}` : 'netns'} ${n.netns}`);
      for (const l of model.links.filter((x) => x.kind === 'attach' && x.attach!.node === n.name)) {
        const a = l.attach!;
        step(`  attach ${a.bridge} ${n.name} ${a.cidrs.join(',') || '0/0'}${a.gateway ? `@${a.gateway}` : ''} -i ${a.ctrIf}${a.mac ? ` ${a.mac}` : ''}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}`);
      }
      for (const l of model.links.filter((x) => x.kind === 'p2p' && x.ends[0]!.owner === n.name)) {
        step(`  veth ${l.name}: ${l.ends.map((e) => `${e.owner}:${e.ifname}${e.cidr ? ` ${e.cidr}` : ''}`).join(' <-> ')}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}`);
      }
    }
  }
  return out;
}
