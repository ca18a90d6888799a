/**
 * vlan — @VLAN for attachments. On a Linux bridge the host end becomes an untagged access
 * port of the VLAN (bridge vlan_filtering, pvid); on a physical parent an 802.1Q
 * sub-interface <parent>.<vid> carries the macvlan. The operations are planned as argv
 * lists (computed apart and unit-tested) and applied through core/exec. Kernels without
 * CONFIG_BRIDGE_VLAN_FILTERING or CONFIG_VLAN_8021Q are detected up front, by trying the
 * feature inside a throwaway namespace (`unshare -n`), so nothing of the user's changes.
 */
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { shortHash } from '../core/names.js';

export interface VlanOp {
  describe: string;
  argv: string[];
  undo?: string[];
}

/** planBridgeVlan — make hostSide an untagged member of vid on bridge (and drop default vid 1). */
export function planBridgeVlan(bridge: string, hostSide: string, vid: number): VlanOp[] {
  return [
    {
      describe: `turn on VLAN filtering on ${bridge}`,
      argv: ['ip', 'link', 'set', 'dev', bridge, 'type', 'bridge', 'vlan_filtering', '1'],
    },
    {
      describe: `make ${hostSide} an untagged port of VLAN ${vid}`,
      argv: ['bridge', 'vlan', 'add', 'dev', hostSide, 'vid', String(vid), 'pvid', 'untagged'],
      undo: ['bridge', 'vlan', 'del', 'dev', hostSide, 'vid', String(vid)],
    },
    {
      describe: `remove ${hostSide} from the default VLAN 1`,
      argv: ['bridge', 'vlan', 'del', 'dev', hostSide, 'vid', '1'],
    },
  ];
}

/** vlanSubIfName — <parent>.<vid> when it fits in 15 chars, else a hashed tsnv name. */
export function vlanSubIfName(parent: string, vid: number): string {
  const plain = `${parent}.${vid}`;
  return plain.length <= 15 ? plain : `tsnv${shortHash(['vlan', parent], 6)}.${vid}`;
}

/** planParentVlan — an 802.1Q sub-interface of parent for vid, up, to carry the macvlan. */
export function planParentVlan(parent: string, vid: number): VlanOp[] {
  const sub = vlanSubIfName(parent, vid);
  return [
    {
      describe: `create 802.1Q sub-interface ${sub} (VLAN ${vid} on ${parent})`,
      argv: ['ip', 'link', 'add', 'link', parent, 'name', sub, 'type', 'vlan', 'id', String(vid)],
      undo: ['ip', 'link', 'del', 'dev', sub],
    },
    { describe: `bring ${sub} up`, argv: ['ip', 'link', 'set', 'dev', sub, 'up'] },
  ];
}

export type VlanFeature = 'bridge-vlan-filtering' | '8021q';

const probes: Record<VlanFeature, { input: string; explain: string }> = {
  'bridge-vlan-filtering': {
    input: 'link add tsnprobe type bridge vlan_filtering 1\n',
    explain: 'this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)',
  },
  '8021q': {
    input: 'link add tsnprobe type bridge\nlink add link tsnprobe name tsnprobe.5 type vlan id 5\n',
    explain: 'this kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q / module 8021q)',
  },
};

const supportCache = new Map<VlanFeature, boolean>();

/** vlanSupported — tries the feature in a private, throwaway netns; cached per process. */
export async function vlanSupported(feature: VlanFeature): Promise<boolean> {
  const cached = supportCache.get(feature);
  if (cached !== undefined) return cached;
  const r = await run(['unshare', '--net', '--', 'ip', '-batch', '-'], { input: probes[feature].input, allowFailure: true });
  const ok = r.code === 0;
  supportCache.set(feature, ok);
  return ok;
}

/** requireVlan — a clear EUNSUPPORTED before anything is changed. */
export async function requireVlan(feature: VlanFeature, vid: number, on: string): Promise<void> {
  if (!(await vlanSupported(feature))) {
    throw new TsnetError('EUNSUPPORTED', `cannot put ${on} on VLAN ${vid}: ${probes[feature].explain}`);
  }
}
