/**
 * iptables — the iptables FirewallBackend: applies the rules of iptables-rules.ts and
 * port-rules.ts to the kernel of tsnet's netns; each change is one `iptables-restore
 * --noflush` transaction per table (all of it or none of it), reads go through
 * `iptables-save -t TABLE`. A publish is a single nat restore and reads nothing back.
 * Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import type { FirewallBackend, NetworkFirewall } from './backend.js';
import { portRules, portTeardown } from './port-rules.js';
import { baseRules, baseTeardownRules, networkRules, restoreInput, teardownRules } from './iptables-rules.js';

type Table = 'filter' | 'nat';

async function save(table: Table): Promise<string> {
  return (await run(['iptables-save', '-t', table])).stdout;
}

async function restore(table: Table, lines: string[]): Promise<void> {
  if (lines.length > 0) await run(['iptables-restore', '-w', '--noflush'], { input: restoreInput(table, lines) });
}

async function installNetwork(n: NetworkFirewall): Promise<void> {
  const rules = networkRules(n);
  try {
    for (const table of ['filter', 'nat'] as const) {
      const mine = rules[table];
      const base = mine.length > 0 || table === 'filter' ? baseRules(table, await save(table)) : [];
      await restore(table, [...base, ...mine]);
    }
  } catch (e) {
    // The filter table may be in while nat failed: leave nothing half-made behind.
    await uninstallNetwork(n).catch(() => undefined);
    throw e;
  }
}

async function uninstallNetwork(n: NetworkFirewall): Promise<void> {
  for (const table of ['filter', 'nat'] as const) await restore(table, teardownRules(n.bridge, await save(table)));
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
    for (const table of ['filter', 'nat'] as const) await restore(table, baseTeardownRules(table, await save(table)));
  },

  async networkInstalled(n) {
    const filter = await save('filter');
    const nat = n.internal ? '' : await save('nat');
    const missing = (saved: string, lines: string[]): boolean => lines.some((l) => l.startsWith('-A ') && !saved.split('\n').includes(l));
    const rules = networkRules(n);
    return !missing(filter, rules.filter) && !missing(nat, rules.nat) && baseRules('filter', filter).length === 0;
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
