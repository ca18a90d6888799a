/**
 * view — a container as `ps`, `inspect` and --json show it: state, pid, exit code, times,
 * image, command, and per interface its network, address and MAC, and the published ports.
 */
import type { EngineContext } from '../engine/context.js';
import type { ContainerRecord } from '../state/containers.js';
import { storedConfig, type StoredConfig } from './create.js';

export interface InterfaceView { interface: string; network: string | null; attachedTo: string; addresses: string[]; mac: string | null; gateway: string | null }
export interface PortMappingView { hostIp: string; hostPort: number; containerPort: number; protocol: string }

export interface ContainerView {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  state: string;
  pid: number | null;
  exitCode: number | null;
  oomKilled: boolean;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  restartCount: number;
  hostname: string;
  networkMode: string;
  networks: Array<{ network: string; ip: string | null; mac: string | null; aliases: string[] }>;
  interfaces: InterfaceView[];
  ports: PortMappingView[];
  netns: string | null;
  config: StoredConfig;
}

export function networkModeText(cfg: StoredConfig): string {
  const m = cfg.spec.networkMode ?? { kind: 'networks' };
  return m.kind === 'container' ? `container:${m.container}` : m.kind === 'networks' ? 'networks' : m.kind;
}

export function containerView(ctx: EngineContext, c: ContainerRecord): ContainerView {
  const cfg = storedConfig(c);
  const networks = ctx.networks.all();
  const atts = ctx.attachments.forGuest(undefined, `container:${c.name}`);
  return {
    id: c.id, name: c.name, image: c.image, imageId: c.imageId, command: cfg.process.args, state: c.state, pid: c.state === 'running' ? c.pid : null,
    exitCode: c.exitCode, oomKilled: c.oomKilled, error: c.error, createdAt: c.createdAt, startedAt: c.startedAt, finishedAt: c.finishedAt,
    restartCount: c.restartCount, hostname: cfg.hostname, networkMode: networkModeText(cfg),
    networks: ctx.containers.networks(c.id).map((n) => ({ network: n.network, ip: n.ip, mac: n.mac, aliases: n.aliases })),
    interfaces: atts.map((a) => ({
      interface: a.ctrIf, network: networks.find((n) => n.bridge === a.hostTarget)?.name ?? null, attachedTo: a.hostTarget,
      addresses: a.addresses, mac: a.mac, gateway: a.gateway,
    })),
    ports: atts.flatMap((a) => ctx.ports.forAttachment(a.id).map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol }))),
    netns: c.state === 'running' ? c.netns : null,
    config: cfg,
  };
}

/** portsText — "0.0.0.0:8080->80/tcp, ..." as docker ps shows PORTS. */
export function portsText(v: ContainerView): string {
  return v.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}
