/**
 * vxlan — a VXLAN device as a bridge port, tunnelling to a list of remote hosts by unicast
 * (head-end replication: one all-zeros FDB entry per remote, so broadcast and unknown
 * unicast reach every remote and replies teach the device where each MAC lives). Works
 * across routed networks, unlike a multicast group. iproute2 does the link and FDB work
 * (LinkOps has no VXLAN), inside the host's netns; ensureVxlan is idempotent and also
 * reconciles the remote list (apply adds and drops remotes without recreating the device).
 */
import { run } from '../core/exec.js';
import { validateIfName } from '../core/names.js';
import { parseIp } from '../ipam/cidr.js';
import { argvIn } from '../netns/named.js';

export interface VxlanSpec {
  device: string;
  vni: number;
  /** This host's underlay address (the tunnel's source). */
  local: string;
  /** The underlay interface the tunnel leaves by. */
  dev: string;
  port: number;
  mtu: number;
  bridge: string;
  remotes: string[];
}

const ZERO_MAC = '00:00:00:00:00:00';

/** ensureVxlan — creates the device if missing, enslaves it, and makes the FDB remotes equal spec.remotes. */
export async function ensureVxlan(netns: string | undefined, spec: VxlanSpec): Promise<void> {
  validateIfName(spec.device, 'VXLAN device');
  for (const r of [spec.local, ...spec.remotes]) parseIp(r, 'VXLAN address');
  const exists = (await run(argvIn(netns, ['ip', 'link', 'show', 'dev', spec.device]), { allowFailure: true })).code === 0;
  const lines: string[] = [];
  if (!exists) {
    lines.push(`link add ${spec.device} mtu ${spec.mtu} type vxlan id ${spec.vni} local ${spec.local} dev ${spec.dev} dstport ${spec.port}`);
  }
  lines.push(`link set ${spec.device} master ${spec.bridge} up`);
  await run(argvIn(netns, ['ip', '-batch', '-']), { input: `${lines.join('\n')}\n` });
  const have = exists ? await fdbRemotes(netns, spec.device) : [];
  const fdb: string[] = [
    ...spec.remotes.filter((r) => !have.includes(r)).map((r) => `fdb append ${ZERO_MAC} dev ${spec.device} dst ${r}`),
    ...have.filter((r) => !spec.remotes.includes(r)).map((r) => `fdb del ${ZERO_MAC} dev ${spec.device} dst ${r}`),
  ];
  if (fdb.length) await run(argvIn(netns, ['bridge', '-batch', '-']), { input: `${fdb.join('\n')}\n` });
}

/** fdbRemotes — the remotes of the device's all-zeros entries. */
export async function fdbRemotes(netns: string | undefined, device: string): Promise<string[]> {
  const r = await run(argvIn(netns, ['bridge', '-j', 'fdb', 'show', 'dev', device]), { allowFailure: true });
  if (r.code !== 0) return [];
  const list = JSON.parse(r.stdout || '[]') as Array<{ mac: string; dst?: string }>;
  return list.filter((e) => e.mac === ZERO_MAC && e.dst).map((e) => e.dst!);
}

/** deleteVxlan — removes the device (its FDB goes with it); gone is success. */
export async function deleteVxlan(netns: string | undefined, device: string): Promise<void> {
  await run(argvIn(netns, ['ip', 'link', 'del', 'dev', device]), { allowFailure: true });
}
