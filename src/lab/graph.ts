/**
 * graph — the lab as a picture (pure text): Graphviz DOT (rendered to SVG by `dot`) and
 * Mermaid. Hosts are clusters holding their bridges and nodes; nodes are labelled with their
 * addresses, links with their impairments; underlay links join hosts' underlay interfaces
 * (through a switch when there is one). With a status, down or missing parts are drawn red
 * and dashed. Ids are derived from names, which topology.ts keeps to [A-Za-z0-9_-].
 * @pure
 */
import { describeImpairment } from '../tc/impairment.js';
import type { LabModel } from './model.js';
import type { LabStatus } from './status.js';

const id = (...parts: string[]): string => parts.join('__').replace(/[^A-Za-z0-9_]/g, '_');
/** q — a DOT string; labels carry DOT's own \n line breaks, and names cannot hold quotes or backslashes. */
const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;

export interface GraphInput { model: LabModel; status?: LabStatus | undefined; impairments?: Record<string, string> | undefined }

function linkState(g: GraphInput, name: string): string | undefined {
  return g.status?.links.find((l) => l.name === name)?.state;
}

function impairmentText(g: GraphInput, name: string, fromFile: ReturnType<typeof describeImpairment>): string {
  return g.impairments?.[name] ?? fromFile;
}

export function toDot(g: GraphInput): string {
  const m = g.model;
  const out = [`digraph ${q(m.name)} {`, '  graph [compound=true, rankdir=TB, nodesep=0.15, fontname="Helvetica", label=' + q(`lab ${m.name}`) + ', labelloc=t];', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9, dir=none];'];
  for (const h of m.hosts) {
    out.push(`  subgraph ${q(`cluster_${id(h.name)}`)} {`, `    label=${q(`host ${h.name}\\n${h.underlay.ifname} ${h.underlay.cidr}`)}; style=rounded; color="#4a6fa5";`);
    out.push(`    ${id('if', h.name)} [label=${q(`${h.underlay.ifname}\\n${h.underlay.cidr}`)}, shape=cds, style=filled, fillcolor="#e8eef7"];`);
    for (const n of m.networks.filter((x) => x.host === h.name)) {
      const extra = n.vxlan ? `\\nVXLAN ${n.vxlan.vni}` : n.stretched ? '\\nstretched' : '';
      out.push(`    ${id('br', h.name, n.bridge)} [label=${q(`${n.bridge}\\n${n.gatewayCidr ?? n.subnet}${extra}`)}, shape=box, style="rounded,filled", fillcolor="#fff4d6"];`);
      // How the network leaves the host: tunnelled (VXLAN), routed (static routes), or not at all.
      out.push(`    ${id('br', h.name, n.bridge)} -> ${id('if', h.name)} [style=dotted, label=${q(n.vxlan ? 'tunnel' : n.routed ? 'routed' : 'host only')}];`);
    }
    for (const n of m.nodes.filter((x) => x.host === h.name)) {
      const present = g.status ? g.status.nodes.find((s) => s.name === n.name)?.present !== false : true;
      const addrs = m.links.flatMap((l) => (l.kind === 'attach' && l.attach!.node === n.name ? l.attach!.cidrs.map((c) => `${l.attach!.ctrIf} ${c}`) : l.kind === 'p2p' ? l.ends.filter((e) => e.owner === n.name && e.cidr).map((e) => `${e.ifname} ${e.cidr}`) : []));
      out.push(`    ${id('node', n.name)} [id=${q(`node-${n.name}`)}, class="labnode", label=${q([n.name, ...addrs].join('\\n'))}, shape=ellipse, style=filled, fillcolor=${present ? '"#d9f2d9"' : '"#f7d4d4"'}${present ? '' : ', color=red'}];`);
    }
    out.push('  }');
  }
  for (const l of m.links) {
    const down = ['down', 'missing'].includes(linkState(g, l.name) ?? 'up');
    const style = down ? ', color=red, style=dashed' : '';
    const imp = impairmentText(g, l.name, describeImpairment(l.impair));
    const label = `${l.name}${imp ? `\\n${imp}` : ''}${down ? '\\n(down)' : ''}`;
    if (l.kind === 'attach') {
      out.push(`  ${id('node', l.attach!.node)} -> ${id('br', l.attach!.host, l.attach!.bridge)} [label=${q(`${l.attach!.ctrIf}${imp ? `\\n${imp}` : ''}${down ? '\\n(down)' : ''}`)}${style}];`);
    } else if (l.kind === 'p2p') {
      out.push(`  ${id('node', l.ends[0]!.owner)} -> ${id('node', l.ends[1]!.owner)} [label=${q(label)}${style}];`);
    } else if (l.type === 'switch') {
      out.push(`  ${id('sw', l.name)} [label=${q(`switch ${l.name}`)}, shape=hexagon, style=filled, fillcolor="#e0e0e0"];`);
      for (const h of l.hosts) out.push(`  ${id('if', h)} -> ${id('sw', l.name)} [label=${q(imp)}${style}];`);
    } else {
      out.push(`  ${id('if', l.hosts[0]!)} -> ${id('if', l.hosts[1]!)} [label=${q(label)}${style}];`);
    }
  }
  for (const n of m.networks) {
    if (!n.vxlan) continue;
    for (const r of n.vxlan.remotes) {
      if (r.host < n.host) continue; // one edge per pair
      const other = m.networks.find((x) => x.host === r.host && x.vxlan?.vni === n.vxlan!.vni);
      if (other) out.push(`  ${id('br', n.host, n.bridge)} -> ${id('br', other.host, other.bridge)} [label=${q(`VXLAN ${n.vxlan.vni}`)}, style=bold, color="#7a4fa5"];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function toMermaid(g: GraphInput): string {
  const m = g.model;
  const t = (s: string): string => `"${s.replace(/"/g, '#quot;')}"`;
  const out = ['flowchart TB'];
  for (const h of m.hosts) {
    out.push(`  subgraph ${id('host', h.name)}[${t(`host ${h.name} — ${h.underlay.ifname} ${h.underlay.cidr}`)}]`);
    out.push(`    ${id('if', h.name)}[${t(`${h.underlay.ifname} ${h.underlay.cidr}`)}]`);
    for (const n of m.networks.filter((x) => x.host === h.name)) out.push(`    ${id('br', h.name, n.bridge)}[${t(`${n.bridge} ${n.gatewayCidr ?? n.subnet}${n.vxlan ? ` VXLAN ${n.vxlan.vni}` : ''}`)}]`);
    for (const n of m.nodes.filter((x) => x.host === h.name)) {
      const addrs = m.links.flatMap((l) => (l.kind === 'attach' && l.attach!.node === n.name ? l.attach!.cidrs : []));
      out.push(`    ${id('node', n.name)}([${t([n.name, ...addrs].join('<br/>'))}])`);
    }
    out.push('  end');
  }
  for (const l of m.links) {
    const imp = impairmentText(g, l.name, describeImpairment(l.impair));
    const label = (s: string): string => (s ? `|${t(s)}|` : '');
    if (l.kind === 'attach') out.push(`  ${id('node', l.attach!.node)} ---${label(`${l.attach!.ctrIf}${imp ? ` ${imp}` : ''}`)} ${id('br', l.attach!.host, l.attach!.bridge)}`);
    else if (l.kind === 'p2p') out.push(`  ${id('node', l.ends[0]!.owner)} ---${label(`${l.name}${imp ? ` ${imp}` : ''}`)} ${id('node', l.ends[1]!.owner)}`);
    else if (l.type === 'switch') {
      out.push(`  ${id('sw', l.name)}{{${t(`switch ${l.name}`)}}}`);
      for (const h of l.hosts) out.push(`  ${id('if', h)} ---${label(imp)} ${id('sw', l.name)}`);
    } else out.push(`  ${id('if', l.hosts[0]!)} ---${label(`${l.name}${imp ? ` ${imp}` : ''}`)} ${id('if', l.hosts[1]!)}`);
  }
  for (const n of m.networks) {
    for (const r of n.vxlan?.remotes ?? []) {
      if (r.host < n.host) continue;
      const other = m.networks.find((x) => x.host === r.host && x.vxlan?.vni === n.vxlan!.vni);
      if (other) out.push(`  ${id('br', n.host, n.bridge)} -.-|${t(`VXLAN ${n.vxlan!.vni}`)}| ${id('br', other.host, other.bridge)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
