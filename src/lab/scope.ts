/**
 * scope — which hosts, nodes and links of a lab this machine drives: all of them (every
 * host simulated in a netns of its own), or with --as HOST only that host's, on this
 * machine itself. Apart from hosts.ts (which opens them) so that plan-text can use it.
 * @pure
 */
import type { HostModel, LabModel, LinkModel, NodeModel } from './model.js';

export interface LabScope {
  /** --as HOST: the one host this machine plays; undefined: every host, simulated. */
  as: string | undefined;
  hosts: HostModel[];
  nodes: NodeModel[];
  links: LinkModel[];
}

export function scopeOf(model: LabModel, as: string | undefined): LabScope {
  if (as === undefined) return { as, hosts: model.hosts, nodes: model.nodes, links: model.links };
  const hosts = model.hosts.filter((h) => h.name === as);
  return {
    as, hosts,
    nodes: model.nodes.filter((n) => n.host === as),
    links: model.links.filter((l) => l.hosts.includes(as)),
  };
}

/** hostNetnsName — the netns a host's kernel work happens in; undefined for --as (this machine's own). */
export function hostNetnsName(scope: LabScope, host: HostModel): string | undefined {
  return scope.as === undefined ? host.netns : undefined;
}
