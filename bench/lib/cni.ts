/**
 * bench/lib/cni — the anchor: the CNI reference `bridge` plugin with `host-local` IPAM,
 * called the way a runtime calls it (env vars + network config on stdin), but run inside
 * the benchmark's own "host" netns through `ip netns exec`, exactly as tsnet's CLI is, so
 * both pay the same wrapper cost. ipMasq is false by default: no iptables rules anywhere, so
 * the plugin does only link/address/route work (baselines.md measured ipMasq:true, where 9
 * iptables processes per ADD dominate); bench/daemon asks for ipMasq:true, the anchor the
 * daemon issue names.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { timedRun, type TimedRun } from './stats.js';

export const CNI_PATH = '/usr/lib/cni';
export const CNI_BRIDGE = join(CNI_PATH, 'bridge');
export const CNI_BRIDGE_NAME = 'cni0';
export const CNI_SUBNET = '10.88.0.0/16';

export interface CniNetwork {
  hostNs: string;
  /** The network config, serialised once; the same bytes go to every call. */
  conf: string;
}

/** cniNetwork — bridge cni0 (gateway; masquerade only with ipMasq), host-local in `dataDir`. */
export function cniNetwork(hostNs: string, dataDir: string, opts: { ipMasq?: boolean } = {}): CniNetwork {
  if (!existsSync(CNI_BRIDGE)) {
    throw new Error(`${CNI_BRIDGE} is missing; install Debian's containernetworking-plugins`);
  }
  const conf = {
    cniVersion: '1.0.0',
    name: 'tsnetbench',
    type: 'bridge',
    bridge: CNI_BRIDGE_NAME,
    isGateway: true,
    ipMasq: opts.ipMasq ?? false,
    ipam: { type: 'host-local', subnet: CNI_SUBNET, dataDir },
  };
  return { hostNs, conf: JSON.stringify(conf) };
}

export function newContainerId(): string {
  return `tsnetbench${randomBytes(8).toString('hex')}`;
}

/** cniCall — one ADD or DEL for `guestNs` (a name under /run/netns), timed as a process. */
export function cniCall(net: CniNetwork, command: 'ADD' | 'DEL', guestNs: string, containerId: string): TimedRun {
  return timedRun(['ip', 'netns', 'exec', net.hostNs, CNI_BRIDGE], cniInvocation(command, guestNs, containerId, net));
}

/** cniInvocation — the env and stdin of one ADD or DEL (for a caller already in the host netns). */
export function cniInvocation(command: 'ADD' | 'DEL', guestNs: string, containerId: string, net: CniNetwork): { input: string; env: NodeJS.ProcessEnv; timeoutMs: number } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: `/run/netns/${guestNs}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH,
  };
  return { input: net.conf, env, timeoutMs: 30_000 };
}

/** cniAddress — the address an ADD result gave eth0 (for the warm-up sanity check). */
export function cniAddress(addResult: string): string {
  const parsed = JSON.parse(addResult) as { ips?: Array<{ address?: string }> };
  const addr = parsed.ips?.[0]?.address;
  if (!addr) throw new Error(`CNI ADD returned no address: ${addResult.slice(0, 200)}`);
  return addr;
}
