/**
 * iptables — applies the rules of iptables-rules.ts to the kernel of tsnet's netns: each
 * change is one `iptables-restore --noflush` transaction per table (all of it or none of
 * it), reads go through `iptables-save -t TABLE`. Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import { baseRules, baseTeardownRules, networkRules, restoreInput, teardownRules, type NetworkFirewall } from './iptables-rules.js';

type Table = 'filter' | 'nat';

async function save(table: Table): Promise<string> {
  return (await run(['iptables-save', '-t', table])).stdout;
}

async function restore(table: Table, lines: string[]): Promise<void> {
  if (lines.length > 0) await run(['iptables-restore', '--noflush'], { input: restoreInput(table, lines) });
}

/** installNetwork — base chains if missing, then the network's chains, table by table. */
export async function installNetwork(n: NetworkFirewall): Promise<void> {
  const rules = networkRules(n);
  try {
    for (const table of ['filter', 'nat'] as const) {
      const mine = rules[table];
      const base = mine.length > 0 || table === 'filter' ? baseRules(table, await save(table)) : [];
      await restore(table, [...base, ...mine]);
    }
  } catch (e) {
    // The filter table may be in while nat failed: leave nothing half-made behind.
    await uninstallNetwork(n.bridge).catch(() => undefined);
    throw e;
  }
}

/** uninstallNetwork — every jump to and every chain of the network; quiet when already gone. */
export async function uninstallNetwork(bridge: string): Promise<void> {
  for (const table of ['filter', 'nat'] as const) await restore(table, teardownRules(bridge, await save(table)));
}

/** uninstallBase — the base chains, when the last network is gone (kept while TSNET-USER has rules). */
export async function uninstallBase(): Promise<void> {
  for (const table of ['filter', 'nat'] as const) await restore(table, baseTeardownRules(table, await save(table)));
}
