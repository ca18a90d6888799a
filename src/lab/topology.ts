/**
 * topology — checks a parsed lab file as a whole and resolves it into a LabModel: defaults
 * filled in, `auto` subnets and addresses chosen, netns and interface names derived,
 * cross-host routes and VXLAN remotes computed. Every error names the file line of the key
 * at fault; nothing here touches the kernel, so bad input never leaves anything behind.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { validateIfName } from '../core/names.js';
import { contains, formatCidr, formatIp, network as networkOf, parseCidr, parseIp } from '../ipam/cidr.js';
import { parseIpSpec, parseMacVlan } from '../attach/grammar.js';
import type { AttachModel, HostModel, LabModel, LinkEnd, LinkModel, NetworkModel, NodeModel } from './model.js';
import { MODEL_VERSION } from './model.js';
import { NAME_RE, type Impairment, type LinkEntry } from './schema.js';
import type { ParsedLab } from './topology-file.js';
import { Checker, type Path } from './checker.js';
import { AUTO_POOL, VXLAN_PORT, resolveNetworks, resolveRoutes } from './resolve-networks.js';

export { AUTO_POOL, VXLAN_PORT };

export const DEFAULT_PREFIX = 'tsnet-';

export interface ResolveOptions {
  /** Overrides the file's `name` (tsnet lab up --name). */
  name?: string | undefined;
  prefix?: string | undefined;
}

const impairKeys = ['delay', 'jitter', 'loss', 'corrupt', 'rate', 'shaper'] as const;

function impairmentOf(entry: Partial<Record<(typeof impairKeys)[number], unknown>>): Impairment | undefined {
  const out: Record<string, unknown> = {};
  for (const k of impairKeys) if (entry[k] !== undefined) out[k] = entry[k];
  return Object.keys(out).length ? (out as Impairment) : undefined;
}

export function resolveLab(parsed: ParsedLab, opts: ResolveOptions = {}): LabModel {
  const { lab, source } = parsed;
  const c: Checker = new Checker(source);
  const name = opts.name ?? lab.name;
  if (opts.name !== undefined && !NAME_RE.test(opts.name)) {
    throw invalid(`lab name "${opts.name}" must be 1-16 letters, digits, _ or - (starting with a letter or digit)`);
  }
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.+=-]{0,24}$/.test(prefix)) throw invalid(`netns prefix "${prefix}" must be at most 24 of letters, digits and _.+=-`);
  const netnsOf = (what: string): string => `${prefix}${name}-${what}`;

  const hostNames = Object.keys(lab.hosts);
  if (hostNames.length === 0) c.fail(['hosts'], 'a lab needs at least one host');
  const nodeEntries = Object.entries(lab.nodes ?? {});
  const taken = new Map<string, Path>();
  const claim = (n: string, path: Path, what: string): void => {
    const prior = taken.get(n);
    if (prior) c.fail(path, `${what} "${n}" has the same name as ${prior.join('.')} (hosts, nodes and links share one namespace of names)`);
    taken.set(n, path);
  };
  for (const h of hostNames) claim(h, ['hosts', h], 'host');
  for (const [n] of nodeEntries) claim(n, ['nodes', n], 'node');

  // Hosts and their underlay addresses.
  const hosts: HostModel[] = hostNames.map((h) => {
    const e = lab.hosts[h]!;
    const cidr = c.wrap(['hosts', h, 'underlay'], () => parseCidr(e.underlay, 'underlay address'));
    if (cidr.family !== 4) c.fail(['hosts', h, 'underlay'], 'the underlay is IPv4');
    if (cidr.prefix > 30) c.fail(['hosts', h, 'underlay'], `underlay ${e.underlay} has no room for other hosts (at most /30)`);
    const ifname = c.wrap(['hosts', h, 'interface'], () => validateIfName(e.interface ?? 'eth0', 'underlay interface'));
    return { name: h, netns: netnsOf(h), underlay: { ifname, cidr: e.underlay, ip: formatIp(4, cidr.addr), link: undefined } };
  });
  const hostByName = new Map(hosts.map((h) => [h.name, h]));
  const ipOwners = new Map<string, string>();
  for (const h of hosts) {
    const other = ipOwners.get(h.underlay.ip);
    if (other) c.fail(['hosts', h.name, 'underlay'], `address ${h.underlay.ip} is also host ${other}'s underlay address`);
    ipOwners.set(h.underlay.ip, h.name);
  }

  // Links: underlay (between hosts) and p2p (between nodes of one host). Attachments come later.
  const links: LinkModel[] = [];
  const linkEntries = lab.links ?? [];
  const underlayOf = new Map<string, LinkModel>();
  const p2pEntries: Array<{ entry: LinkEntry; index: number }> = [];
  linkEntries.forEach((entry, i) => {
    const path: Path = ['links', i];
    if (entry.hosts && entry.endpoints) c.fail(path, 'a link joins either hosts (underlay) or node endpoints, not both');
    if (!entry.hosts && !entry.endpoints) c.fail(path, 'a link needs hosts (underlay) or endpoints (node:ifname)');
    if (entry.endpoints) { p2pEntries.push({ entry, index: i }); return; }
    const type = entry.type ?? 'switch';
    const members = entry.hosts!;
    members.forEach((h, j) => {
      if (!hostByName.has(h)) c.fail([...path, 'hosts', j], `link to a missing host "${h}" (hosts: ${hostNames.join(', ')})`);
      if (underlayOf.has(h)) c.fail([...path, 'hosts', j], `host ${h} is already on underlay link ${underlayOf.get(h)!.name}; a host has one underlay interface`);
      if (members.indexOf(h) !== j) c.fail([...path, 'hosts', j], `host ${h} is listed twice`);
    });
    if (type === 'veth' && members.length !== 2) c.fail([...path, 'hosts'], `a veth link joins exactly two hosts (got ${members.length}); use type: switch for more`);
    if (members.length < 2) c.fail([...path, 'hosts'], 'an underlay link joins at least two hosts');
    const linkName = entry.name ?? (linkEntries.length === 1 ? 'underlay' : `underlay${i}`);
    claim(linkName, [...path, 'name'], 'link');
    const first = parseCidr(hostByName.get(members[0]!)!.underlay.cidr);
    for (const h of members.slice(1)) {
      const other = parseCidr(hostByName.get(h)!.underlay.cidr);
      if (other.prefix !== first.prefix || !contains(networkOf(first), 4, other.addr)) {
        c.fail(['hosts', h, 'underlay'], `host ${h}'s underlay ${formatCidr(other)} is not in the subnet of ${members[0]} (${formatCidr(networkOf(first))}) on link ${linkName}`);
      }
    }
    const ends: LinkEnd[] = members.map((h) => ({ netns: hostByName.get(h)!.netns, ifname: hostByName.get(h)!.underlay.ifname, owner: h, cidr: hostByName.get(h)!.underlay.cidr }));
    const link: LinkModel = {
      name: linkName, kind: 'underlay', type, hosts: [...members], ends, impair: impairmentOf(entry),
      ...(type === 'switch' ? { switchNetns: netnsOf(linkName), switchPorts: members.map((_, j) => `port${j}`) } : {}),
    };
    links.push(link);
    for (const h of members) { underlayOf.set(h, link); hostByName.get(h)!.underlay.link = linkName; }
  });
  // Two or more hosts and no underlay link given: one switch joins them all (the common case).
  if (!linkEntries.some((l) => l.hosts) && hosts.length > 1) {
    claim('underlay', ['links'], 'link');
    const link: LinkModel = {
      name: 'underlay', kind: 'underlay', type: 'switch', hosts: hosts.map((h) => h.name),
      ends: hosts.map((h) => ({ netns: h.netns, ifname: h.underlay.ifname, owner: h.name, cidr: h.underlay.cidr })),
      switchNetns: netnsOf('underlay'), switchPorts: hosts.map((_, j) => `port${j}`), impair: undefined,
    };
    const first = parseCidr(hosts[0]!.underlay.cidr);
    for (const h of hosts.slice(1)) {
      const other = parseCidr(h.underlay.cidr);
      if (other.prefix !== first.prefix || !contains(networkOf(first), 4, other.addr)) {
        c.fail(['hosts', h.name, 'underlay'], `host ${h.name}'s underlay ${formatCidr(other)} is not in ${hosts[0]!.name}'s subnet ${formatCidr(networkOf(first))}; give links to say which hosts share an underlay`);
      }
    }
    links.push(link);
    for (const h of hosts) { underlayOf.set(h.name, link); h.underlay.link = 'underlay'; }
  }
  const sameUnderlay = (a: string, b: string): boolean => underlayOf.get(a) !== undefined && underlayOf.get(a) === underlayOf.get(b);

  // Networks, with explicit subnets first so that `auto` can avoid them.
  const networks = resolveNetworks(c, lab, hosts, sameUnderlay);

  // Nodes and their attachments.
  const nodes: NodeModel[] = nodeEntries.map(([n, e]) => {
    const path: Path = ['nodes', n];
    if (!hostByName.has(e.host)) c.fail([...path, 'host'], `node ${n} is on a missing host "${e.host}" (hosts: ${hostNames.join(', ')})`);
    const kind = e.kind ?? (e.image ? 'container' : 'netns');
    if (kind === 'container' && !e.image) c.fail([...path, 'image'], 'a container node needs an image');
    if (kind === 'netns' && (e.image || e.cmd)) c.fail([...path, e.image ? 'image' : 'cmd'], 'a netns node runs no image or cmd; say kind: container');
    return { name: n, host: e.host, kind, netns: netnsOf(n), image: e.image, cmd: e.cmd };
  });
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const ifUsed = new Map<string, Set<string>>(nodes.map((n) => [n.name, new Set<string>()]));
  const useIf = (node: string, ifname: string, path: Path): void => {
    const used = ifUsed.get(node)!;
    if (used.has(ifname)) c.fail(path, `node ${node} already has an interface ${ifname}`);
    used.add(ifname);
  };
  // p2p interfaces are named in the file; claim them first so attachments' defaults avoid them.
  const p2pEnds = p2pEntries.map(({ entry, index }) => {
    const path: Path = ['links', index, 'endpoints'];
    if (entry.type === 'switch') c.fail(['links', index, 'type'], 'node endpoints are joined by a veth link; a switch joins hosts');
    if (entry.endpoints!.length !== 2) c.fail(path, `a veth link has exactly two endpoints (got ${entry.endpoints!.length})`);
    const ends = entry.endpoints!.map((text, j) => {
      const m = /^([A-Za-z0-9][A-Za-z0-9_-]{0,15}):(\S+)(?:\s+(\S+))?$/.exec(text.trim());
      if (!m) c.fail([...path, j], `endpoint "${text}" is not NODE:IFNAME [IP/LEN]`);
      const [, node, ifname, cidrText] = m;
      const nm = nodeByName.get(node!);
      if (!nm) c.fail([...path, j], `link to a missing node "${node}"`);
      c.wrap([...path, j], () => validateIfName(ifname!, 'endpoint interface'));
      useIf(node!, ifname!, [...path, j]);
      const cidr = cidrText === undefined ? undefined : formatCidr(c.wrap([...path, j], () => parseCidr(cidrText, 'endpoint address')));
      return { netns: nm.netns, ifname: ifname!, owner: node!, cidr, host: nm.host };
    });
    if (ends[0]!.host !== ends[1]!.host) {
      c.fail(path, `nodes ${ends[0]!.owner} and ${ends[1]!.owner} are on different hosts (${ends[0]!.host}, ${ends[1]!.host}); join them through a network with routes or vxlan`);
    }
    if (ends[0]!.owner === ends[1]!.owner) c.fail(path, 'a link joins two different nodes');
    return { entry, index, ends };
  });

  const segAddrs = new Map<string, Map<string, string>>(); // L2 segment → address → who
  const segmentOf = (net: NetworkModel): string => (net.vxlan ? `vni:${net.vxlan.vni}` : net.stretched ? `subnet:${net.subnet}` : `br:${net.host}:${net.bridge}`);
  for (const net of networks) {
    if (!net.gatewayCidr) continue;
    const seg = segAddrs.get(segmentOf(net)) ?? new Map<string, string>();
    segAddrs.set(segmentOf(net), seg);
    const ip = net.gatewayCidr.split('/')[0]!;
    // Stretched networks share their gateway address by design (each host answers on its own bridge).
    if (seg.has(ip) && !net.stretched) c.fail(['hosts', net.host, 'networks', net.bridge, 'gateway'], `address ${ip} is already ${seg.get(ip)} on the same L2 segment`);
    seg.set(ip, `the gateway of ${net.host}'s ${net.bridge}`);
  }
  const attachments: Array<{ path: Path; node: NodeModel; net: NetworkModel; ctrIf: string; addr: string | 'auto' | 'none'; gateway: string | undefined; mac: string | undefined; impair: Impairment | undefined }> = [];
  for (const [n, e] of nodeEntries) {
    const node = nodeByName.get(n)!;
    let next = 1;
    (e.attach ?? []).forEach((item, i) => {
      const path: Path = ['nodes', n, 'attach', i];
      const spec = typeof item === 'string' ? item : item.spec;
      const tokens = spec.trim().split(/\s+/).filter(Boolean);
      let ctrIf: string | undefined;
      if (tokens[0] === '-i') {
        ctrIf = tokens[1];
        tokens.splice(0, 2);
        if (!ctrIf) c.fail(path, `"${spec}": -i needs an interface name`);
      }
      const [bridge, ipText, macText, ...rest] = tokens;
      if (!bridge) c.fail(path, 'an attachment names a network: "BRIDGE [IP/LEN[@GW]|auto] [MAC]"');
      if (rest.length) c.fail(path, `"${spec}" has extra words: ${rest.join(' ')}`);
      const net = networks.find((x) => x.host === node.host && x.bridge === bridge);
      if (!net) c.fail(path, `host ${node.host} has no network ${bridge} (${networks.filter((x) => x.host === node.host).map((x) => x.bridge).join(', ') || 'none'})`);
      if (ctrIf === undefined) {
        while (ifUsed.get(n)!.has(`eth${next}`)) next++;
        ctrIf = `eth${next}`;
      }
      c.wrap(path, () => validateIfName(ctrIf!, 'container interface (-i)'));
      useIf(n, ctrIf, path);
      const mac = macText === undefined ? undefined : c.wrap(path, () => parseMacVlan(macText)).mac;
      if (macText !== undefined && macText.includes('@')) c.fail(path, 'VLANs are not supported in lab attachments');
      let addr: string | 'auto' | 'none' = 'auto';
      let gateway = net.gatewayCidr?.split('/')[0];
      if (ipText !== undefined && ipText !== 'auto') {
        const ip = c.wrap(path, () => parseIpSpec(ipText));
        if (ip.mode === 'dhcp') c.fail(path, 'dhcp is not supported in lab attachments; give an address or auto');
        if (ip.mode === 'none') { addr = 'none'; gateway = undefined; }
        if (ip.mode === 'static') {
          if (ip.addresses.length !== 1 || ip.addresses[0]!.family !== 4) c.fail(path, 'a lab attachment takes one IPv4 address');
          addr = ip.addresses[0]!.cidr;
          gateway = ip.gateway?.ip;
          const a = parseCidr(addr);
          const s = parseCidr(net.subnet);
          if (!contains(s, 4, a.addr) || a.prefix !== s.prefix) c.fail(path, `address ${addr} is not in ${net.host}'s network ${bridge} (${net.subnet})`);
          if (gateway !== undefined && !contains(s, 4, parseIp(gateway).addr)) c.fail(path, `gateway ${gateway} is not in ${bridge}'s subnet ${net.subnet}`);
        }
      }
      attachments.push({ path, node, net, ctrIf, addr, gateway, mac, impair: typeof item === 'string' ? undefined : impairmentOf(item) });
    });
  }
  // Explicit addresses are reserved first; `auto` takes the lowest free address of the segment.
  for (const a of attachments) {
    if (a.addr === 'auto' || a.addr === 'none') continue;
    const seg = segAddrs.get(segmentOf(a.net)) ?? new Map<string, string>();
    segAddrs.set(segmentOf(a.net), seg);
    const ip = a.addr.split('/')[0]!;
    if (seg.has(ip)) c.fail(a.path, `address ${ip} is already ${seg.get(ip)} on the same L2 segment`);
    seg.set(ip, `node ${a.node.name}'s`);
  }
  for (const a of attachments) {
    if (a.addr !== 'auto') continue;
    const seg = segAddrs.get(segmentOf(a.net)) ?? new Map<string, string>();
    segAddrs.set(segmentOf(a.net), seg);
    const s = parseCidr(a.net.subnet);
    const size = 1n << BigInt(32 - s.prefix);
    let chosen: string | undefined;
    for (let i = 1n; i < size - 1n; i++) {
      const ip = formatIp(4, s.addr + i);
      if (!seg.has(ip)) { chosen = ip; break; }
    }
    if (!chosen) c.fail(a.path, `network ${a.net.bridge} (${a.net.subnet}) has no free address left`);
    seg.set(chosen, `node ${a.node.name}'s`);
    a.addr = `${chosen}/${s.prefix}`;
  }
  for (const a of attachments) {
    const attach: AttachModel = {
      node: a.node.name, host: a.node.host, bridge: a.net.bridge, ctrIf: a.ctrIf,
      cidrs: a.addr === 'none' ? [] : [a.addr as string], gateway: a.gateway, mac: a.mac,
    };
    links.push({
      name: `${a.node.name}:${a.ctrIf}`, kind: 'attach', type: 'veth', hosts: [a.node.host],
      ends: [{ netns: a.node.netns, ifname: a.ctrIf, owner: a.node.name, cidr: attach.cidrs[0] }],
      attach, impair: a.impair,
    });
  }
  for (const { entry, index, ends } of p2pEnds) {
    const linkName = entry.name ?? `${ends[0]!.owner}-${ends[1]!.owner}`;
    claim(linkName, ['links', index, 'name'], 'link');
    links.push({
      name: linkName, kind: 'p2p', type: 'veth', hosts: [ends[0]!.host],
      ends: ends.map(({ netns, ifname, owner, cidr }) => ({ netns, ifname, owner, cidr })), impair: impairmentOf(entry),
    });
  }

  const routes = resolveRoutes(networks, links, hosts, sameUnderlay);
  return { version: MODEL_VERSION, name, prefix, hosts, networks, nodes, links, routes };
}
