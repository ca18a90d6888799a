/**
 * iptables — the iptables FirewallBackend: applies the rules of iptables-rules.ts and
 * port-rules.ts to the kernel of tsnet's netns; each change is one `iptables-restore
 * --noflush` transaction per table (all of it or none of it), reads go through
 * `iptables-save -t TABLE`. A publish is a single nat restore and reads nothing back.
 * A dual-stack network gets the same layout in ip6tables for its IPv6 subnet; published
 * ports are IPv4 only.
 * Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import type { FirewallBackend, NetworkFirewall } from './firewall.js';
import { portRules, portTeardown } from './port-rules.js';
import { baseRules, baseTeardownRules, networkRules, restoreInput, teardownRules } from './iptables-rules.js';

type Table = 'filter' | 'nat';
type Family = 4 | 6;
const TABLES = ['filter', 'nat'] as const;
/** The tools per family: a dual-stack network's IPv6 side is the same layout in ip6tables. */
const TOOL = { 4: 'iptables', 6: 'ip6tables' } as const;

async function save(table: Table, family: Family = 4): Promise<string> {
  return (await run([`${TOOL[family]}-save`, '-t', table])).stdout;
}

async function restore(table: Table, lines: string[], family: Family = 4): Promise<void> {
  if (lines.length > 0) await run([`${TOOL[family]}-restore`, '-w', '--noflush'], { input: restoreInput(table, lines) });
}

/** familiesOf — IPv4 always, IPv6 too for a dual-stack network. */
function familiesOf(n: NetworkFirewall): Family[] {
  return n.subnet6 ? [4, 6] : [4];
}

async function installNetwork(n: NetworkFirewall): Promise<void> {
  try {
    for (const family of familiesOf(n)) {
      const rules = networkRules(n, family);
      for (const table of TABLES) {
        const mine = rules[table];
        const base = mine.length > 0 || table === 'filter' ? baseRules(table, await save(table, family), family) : [];
        await restore(table, [...base, ...mine], family);
      }
    }
  } catch (e) {
    // One table or family may be in while the next failed: leave nothing half-made behind.
    await uninstallNetwork(n).catch(() => undefined);
    throw e;
  }
}

async function uninstallNetwork(n: NetworkFirewall): Promise<void> {
  for (const family of familiesOf(n)) {
    for (const table of TABLES) await restore(table, teardownRules(n.bridge, await save(table, family)), family);
  }
}

/** removePorts — one attachment's port chain and the jump to it; quiet when gone. */
async function removePorts(bridge: string, containerIp: string): Promise<void> {
  await restore('nat', portTeardown(bridge, containerIp, await save('nat')));
}

export const iptablesBackend: FirewallBackend = {
  name: 'iptables',
  installNetwork,
  uninstallNetwork,

  async uninstallBase() {
    for (const family of [4, 6] as const) {
      for (const table of TABLES) await restore(table, baseTeardownRules(table, await save(table, family)), family);
    }
  },

  async networkInstalled(n) {
    const missing = (saved: string, lines: string[]): boolean => lines.some((l) => l.startsWith('-A ') && !saved.split('\n').includes(l));
    for (const family of familiesOf(n)) {
      const filter = await save('filter', family);
      const nat = n.internal ? '' : await save('nat', family);
      const rules = networkRules(n, family);
      if (missing(filter, rules.filter) || missing(nat, rules.nat) || baseRules('filter', filter, family).length > 0) return false;
    }
    return true;
  },

  /** publish — the new mappings' rules (and, on the first, the chain and its jump) in one restore. */
  async publish(bridge, existing, added) {
    if (added.length > 0) await restore('nat', portRules(bridge, added, existing.length === 0 ? 'new' : 'append'));
  },

  async unpublish(bridge, kept, removed) {
    const any = kept[0] ?? removed[0];
    if (!any) return;
    if (kept.length > 0) await restore('nat', portRules(bridge, kept, 'rebuild'));
    else await removePorts(bridge, any.containerIp);
  },
};
