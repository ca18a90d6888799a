/**
 * iptables — applies the rules of iptables-rules.ts to the kernel of tsnet's netns: each
 * change is one `iptables-restore --noflush` transaction per table (all of it or none of
 * it), reads go through `iptables-save -t TABLE`. Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import type { PortRecord } from '../state/ports.js';
import { portRules, portTeardown } from './port-rules.js';
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

/** installPorts — (re)builds one attachment's port chains from all of its mappings. */
export async function installPorts(bridge: string, ports: readonly PortRecord[]): Promise<void> {
  if (ports.length === 0) return;
  const saved = { filter: await save('filter'), nat: await save('nat') };
  const rules = portRules(bridge, ports, saved);
  await restore('nat', [...baseRules('nat', saved.nat), ...rules.nat]);
  try {
    await restore('filter', rules.filter);
  } catch (e) {
    await uninstallPorts(bridge, ports[0]!.containerIp).catch(() => undefined);
    throw e;
  }
}

/** uninstallPorts — one attachment's port chains and the jumps to them; quiet when gone. */
export async function uninstallPorts(bridge: string, containerIp: string): Promise<void> {
  for (const table of ['nat', 'filter'] as const) await restore(table, portTeardown(bridge, containerIp, await save(table)));
}

/** networkInstalled — whether the network's chains and the jumps to them are all there. */
export async function networkInstalled(n: NetworkFirewall): Promise<boolean> {
  const filter = await save('filter');
  const nat = n.ipMasq && !n.internal ? await save('nat') : '';
  const missing = (saved: string, lines: string[]): boolean => lines.some((l) => l.startsWith('-A ') && !saved.split('\n').includes(l));
  const rules = networkRules(n);
  return !missing(filter, rules.filter) && !missing(nat, rules.nat) && baseRules('filter', filter).length === 0;
}
