/**
 * json-shapes — the engine's results turned into the object kinds of cli/json-schema.ts:
 * what --json prints and what --format's {{.key}} placeholders read. Every key is written
 * out (never a spread of an engine object), so a field added to a record does not leak
 * into the output unseen. @pure: types only are imported.
 */
import type { LiveView } from '../attach/live-state.js';
import type { GcReport } from '../network/gc.js';
import type { ContainerGcReport } from '../runtime/gc.js';
import type { DaemonStatus } from '../daemon/server.js';
import type { ContainerView } from '../runtime/view.js';
import type { ImageRecord } from '../state/images.js';
import type { PortView } from '../network/ports.js';
import type { LabStatus } from '../lab/status.js';
import type { ReachMatrix } from '../lab/probe.js';
import type {
  AttachmentJson, ContainerJson, DaemonStatusJson, GcActionJson, GcReportJson, ImageJson, LabJson, PortMappingJson,
} from './json-schema.js';

/** attachmentJson — an attachment with its live state (ls, inspect GUEST, attach, detach). */
export function attachmentJson(v: LiveView): AttachmentJson {
  return {
    guest: v.guest, netnsId: v.netnsId, interface: v.interface, kind: v.kind, hostInterface: v.hostInterface,
    attachedTo: v.attachedTo, network: v.network, mac: v.mac, vlan: v.vlan, addresses: v.addresses,
    gateway: v.gateway ?? v.dhcp?.server ?? null, gateway6: v.gateway6, createdAt: v.createdAt,
    dhcp: v.dhcp ? {
      phase: v.dhcp.phase, server: v.dhcp.server, leaseSeconds: v.dhcp.leaseSeconds, renewsAt: v.dhcp.renewsAt,
      expiresAt: v.dhcp.expiresAt, dns: v.dhcp.dns, clientId: v.dhcp.clientId,
    } : null,
    state: v.state,
  };
}

export function portMappingJson(p: PortView): PortMappingJson {
  return {
    guest: p.guest, interface: p.interface, network: p.network, protocol: p.protocol, hostIp: p.hostIp,
    hostPort: p.hostPort, containerIp: p.containerIp, containerPort: p.containerPort,
  };
}

export function imageJson(i: ImageRecord): ImageJson {
  return {
    id: i.id, manifestDigest: i.manifestDigest, manifestMediaType: i.manifestMediaType, size: i.size,
    created: i.created, addedAt: i.addedAt, layers: i.layers, tags: i.tags,
  };
}

/** containerJson — a ps row, and what inspect CONTAINER prints. */
export function containerJson(v: ContainerView): ContainerJson {
  return {
    id: v.id, name: v.name, image: v.image, imageId: v.imageId, command: v.command, state: v.state, pid: v.pid,
    exitCode: v.exitCode, oomKilled: v.oomKilled, error: v.error, createdAt: v.createdAt, startedAt: v.startedAt,
    finishedAt: v.finishedAt, restartCount: v.restartCount, hostname: v.hostname, networkMode: v.networkMode,
    networks: v.networks.map((n) => ({ network: n.network, ip: n.ip, mac: n.mac, aliases: n.aliases })),
    interfaces: v.interfaces.map((i) => ({ interface: i.interface, network: i.network, attachedTo: i.attachedTo, addresses: i.addresses, mac: i.mac, gateway: i.gateway })),
    ports: v.ports.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort })),
    netns: v.netns, config: v.config as unknown as ContainerJson['config'],
  };
}

export function daemonStatusJson(s: DaemonStatus): DaemonStatusJson {
  return {
    pid: s.pid, root: s.root, socket: s.socket, protocol: s.protocol, uptimeSeconds: s.uptimeSeconds, served: s.served,
    running: s.running, rssBytes: s.rssBytes, heapUsedBytes: s.heapUsedBytes, openFds: s.openFds,
    activeResources: s.activeResources, heldPorts: s.heldPorts, keeper: s.keeper, stale: s.stale ?? null,
  };
}

/** split — "NAME: what happened" into its target and the whole line as detail. */
function split(line: string, action: GcActionJson['action'], kind: GcActionJson['kind']): GcActionJson {
  const m = /^([^\s:]+): /.exec(line);
  return { action, kind, target: m ? m[1]! : line, detail: line };
}

/** containerAction — a line of the containers' gc ("container web: running → exited", "would have removed …"). */
function containerAction(line: string): GcActionJson {
  const c = /^container (\S+?):? /.exec(line);
  if (c) return { action: 'update', kind: 'container', target: c[1]!, detail: line };
  const text = line.replace(/^would have /, '');
  const path = /(\/\S+)/.exec(text);
  if (/^(removed|remove|unmounted|unmount)\b/.test(text)) return { action: 'remove', kind: 'path', target: path ? path[1]! : text, detail: line };
  return { action: 'settle', kind: 'operation', target: path ? path[1]! : text, detail: line };
}

/**
 * gcReportJson — gc's report as objects: one action per thing done (or, with --dry-run,
 * that would be done), each with what it was done to; errors with the part of gc that met them.
 */
export function gcReportJson(dryRun: boolean, containers: ContainerGcReport, report: GcReport): GcReportJson {
  const plain = (action: GcActionJson['action'], kind: GcActionJson['kind']) => (target: string): GcActionJson => ({ action, kind, target, detail: null });
  return {
    dryRun,
    actions: [
      ...containers.actions.map(containerAction),
      ...report.settled.map((l) => split(l, 'settle', 'operation')),
      ...report.removedRecords.map((l): GcActionJson => {
        const m = /^(.*) \((.*)\)$/.exec(l); // "GUEST CTRIF (why)"
        return { action: 'remove', kind: 'record', target: m ? m[1]! : l, detail: m ? m[2]! : null };
      }),
      ...report.removedLinks.map(plain('remove', 'interface')),
      ...report.removedBridges.map(plain('remove', 'bridge')),
      ...report.repairedNetworks.map((l) => split(l, 'repair', 'network')),
      ...report.restoredFirewalls.map(plain('restore', 'firewall')),
      ...report.reconciledPorts.map((l) => ({ action: 'reconcile' as const, kind: 'port' as const, target: l, detail: null })),
    ],
    errors: [
      ...containers.errors.map((error) => ({ kind: 'container' as const, error })),
      ...report.errors.map((error) => ({ kind: 'network' as const, error })),
    ],
  };
}

/** labJson — lab ls, lab status and lab up: the lab as it is in the kernel now (reach: with --ping). */
export function labJson(s: LabStatus, reach: ReachMatrix | null = null): LabJson {
  return {
    name: s.name, phase: s.phase, file: s.file, as: s.as, hosts: s.hosts, networks: s.networks, nodes: s.nodes, links: s.links, routes: s.routes,
    reach: reach && { nodes: reach.nodes, pairs: reach.pairs, failures: reach.failures, surprises: reach.surprises },
  };
}
