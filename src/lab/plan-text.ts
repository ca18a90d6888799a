/**
 * plan-text — `tsnet lab up --dry-run`: what each host's part of the lab would do, in the
 * order `up` does it, computed from the resolved model alone (pure; nothing is looked at).
 * @pure
 */
import { describeImpairment } from '../tc/impairment.js';
import type { LabModel } from './model.js';
import { scopeOf } from './scope.js';

/** LabPlanStep — one thing `lab up` would do: on which host (null: the underlay between hosts), its kind, what. */
export interface LabPlanStep {
  host: string | null;
  name: string;
  description: string;
}

/** labPlanSteps — the dry run as data (`lab up --dry-run --json`), in the order up does it. */
export function labPlanSteps(model: LabModel, as: string | undefined): LabPlanStep[] {
  const scope = scopeOf(model, as);
  const out: LabPlanStep[] = [];
  if (as === undefined) {
    for (const l of model.links.filter((x) => x.kind === 'underlay')) {
      out.push({ host: null, name: 'underlay', description: `underlay ${l.name}: ${l.type === 'switch' ? `switch (bridge in netns ${l.switchNetns}) joining ${l.hosts.join(', ')}` : `veth wire ${l.ends.map((e) => `${e.owner}:${e.ifname}`).join(' <-> ')}`}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}` });
    }
  }
  for (const h of scope.hosts) {
    const step = (name: string, description: string): void => { out.push({ host: h.name, name, description }); };
    step(as === undefined ? 'host' : 'check-host', `${as === undefined ? 'address' : 'check'} ${h.underlay.cidr} on underlay ${h.underlay.ifname}; net.ipv4.ip_forward=1`);
    for (const n of model.networks.filter((x) => x.host === h.name)) {
      step('bridge', `bridge ${n.bridge} (${n.subnet}${n.gatewayCidr ? `, address ${n.gatewayCidr}` : ''}${n.mtu ? `, mtu ${n.mtu}` : ''})${n.stretched ? '; proxy ARP for the subnet\'s other hosts' : ''}`);
      if (n.vxlan) step('vxlan', `vxlan ${n.vxlan.device} (VNI ${n.vxlan.vni}, port ${n.vxlan.port}) on ${n.bridge} to ${n.vxlan.remotes.map((r) => `${r.host} ${r.ip}`).join(', ') || 'no remote'}`);
    }
    for (const r of model.routes.filter((x) => x.host === h.name)) step('route', `route ${r.dst} via ${r.via} dev ${r.dev} (to ${r.to})`);
    for (const n of scope.nodes.filter((x) => x.host === h.name)) {
      step('node', `node ${n.name}: ${n.kind === 'container' ? `container ${n.image}${n.cmd ? ` ${n.cmd.join(' ')}` : ''}` : 'netns'} ${n.netns}`);
      for (const l of model.links.filter((x) => x.kind === 'attach' && x.attach!.node === n.name)) {
        const a = l.attach!;
        step('attach', `attach ${a.bridge} ${n.name} ${a.cidrs.join(',') || '0/0'}${a.gateway ? `@${a.gateway}` : ''} -i ${a.ctrIf}${a.mac ? ` ${a.mac}` : ''}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}`);
      }
      for (const l of model.links.filter((x) => x.kind === 'p2p' && x.ends[0]!.owner === n.name)) {
        step('veth', `veth ${l.name}: ${l.ends.map((e) => `${e.owner}:${e.ifname}${e.cidr ? ` ${e.cidr}` : ''}`).join(' <-> ')}${l.impair ? `; ${describeImpairment(l.impair)}` : ''}`);
      }
    }
  }
  return out;
}

/** planText — the same steps for people: the underlay, then each host's numbered steps under a header. */
export function planText(model: LabModel, as: string | undefined): string[] {
  const out: string[] = [];
  let host: string | null = null;
  let i = 1;
  for (const s of labPlanSteps(model, as)) {
    if (s.host === null) { out.push(s.description); continue; }
    if (s.host !== host) {
      host = s.host;
      i = 1;
      const h = model.hosts.find((x) => x.name === host)!;
      out.push(`host ${host}${as === undefined ? ` (netns ${h.netns}, state root labs/${model.name}/hosts/${host})` : ' (this machine)'}:`);
    }
    out.push(`  ${i++}. ${s.name === 'attach' || s.name === 'veth' ? '  ' : ''}${s.description}`);
  }
  return out;
}
