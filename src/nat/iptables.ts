/**
 * iptables — the iptables FirewallBackend: applies the rules of iptables-rules.ts and
 * port-rules.ts to the kernel of tsnet's netns; each change is one `iptables-restore
 * --noflush` transaction per table (all of it or none of it), reads go through
 * `iptables-save -t TABLE`. What to add is decided from what the kernel has, read under
 * the caller's host lock. A publish reads just the attachment's own chain (`iptables -S`)
 * and its jump, so its cost does not grow with the ports of other attachments.
 * A dual-stack network gets the same layout in ip6tables for its IPv6 subnet; published
 * ports are IPv4 only.
 * Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import type { FirewallBackend, NetworkFirewall } from './firewall.js';
import { portChain, portChainsLayout, publishLines, unpublishLines, type PortChainState } from './port-rules.js';
import { baseLayout, baseTeardownRules, mergeLayouts, networkLayout, restoreInput, teardownRules } from './iptables-rules.js';
import { parseSaved, reconcileLines } from './iptables-reconcile.js';
import { checkedNetwork, checkedPorts } from './state-check.js';

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

/**
 * installNetwork — per family and table, what the kernel lacks of the base layout and the
 * network's, in one restore: a chain that is already right is left alone, one that is not
 * is emptied and refilled, a jump is added only when missing (and a doubled one undoubled).
 */
async function installNetwork(n: NetworkFirewall): Promise<void> {
  checkedNetwork(n);
  try {
    for (const family of familiesOf(n)) {
      for (const table of TABLES) {
        const mine = networkLayout(n, table, family);
        if (mine.exact.size === 0 && table !== 'filter') continue; // an internal network has no nat rules
        const layout = mergeLayouts([baseLayout(table, family), mine]);
        await restore(table, reconcileLines(parseSaved(await save(table, family)), layout), family);
      }
    }
  } catch (e) {
    // One table or family may be in while the next failed: leave nothing half-made behind.
    await uninstallNetwork(n).catch(() => undefined);
    throw e;
  }
}

async function uninstallNetwork(n: NetworkFirewall): Promise<void> {
  checkedNetwork(n);
  for (const family of familiesOf(n)) {
    for (const table of TABLES) await restore(table, teardownRules(n.bridge, await save(table, family)), family);
  }
}

/** portChainState — the attachment's chain as the kernel has it (its rules, whether TSNET jumps to it). */
async function portChainState(chain: string): Promise<PortChainState | undefined> {
  const [listed, jump] = await Promise.all([
    run(['iptables', '-w', '-t', 'nat', '-S', chain], { allowFailure: true }),
    run(['iptables', '-w', '-t', 'nat', '-C', 'TSNET', '-j', chain], { allowFailure: true }),
  ]);
  if (listed.code !== 0) return undefined;
  return { rules: listed.stdout.split('\n').filter((l) => l.startsWith('-A ')), jumped: jump.code === 0 };
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

  /**
   * networkInstalled — nothing to change: every table holds the base layout and the
   * network's exactly (no rule missing, none doubled, no chain emptied), as installNetwork
   * would leave it.
   */
  async networkInstalled(n) {
    checkedNetwork(n);
    for (const family of familiesOf(n)) {
      for (const table of TABLES) {
        const mine = networkLayout(n, table, family);
        if (mine.exact.size === 0 && table !== 'filter') continue;
        if (reconcileLines(parseSaved(await save(table, family)), mergeLayouts([baseLayout(table, family), mine])).length > 0) return false;
      }
    }
    return true;
  },

  /** publish — the rules the chain lacks (and the chain and its jump, when missing) in one restore. */
  async publish(bridge, _existing, added) {
    if (added.length === 0) return;
    checkedPorts(added);
    await restore('nat', publishLines(bridge, await portChainState(portChain(bridge, added[0]!.containerIp)), added));
  },

  /** reconcilePorts — one read and (when anything differs) one restore of the nat table for every mapping. */
  async reconcilePorts(groups, owned, dryRun) {
    for (const g of groups) checkedPorts(g.ports);
    const saved = parseSaved(await save('nat'));
    if (!saved.chains.has('TSNET')) return []; // no network's chains: gc restores those first
    const lines = reconcileLines(saved, portChainsLayout(groups, saved, owned));
    if (lines.length > 0 && !dryRun) await restore('nat', lines);
    return describeChanges(lines);
  },

  async unpublish(bridge, kept, removed) {
    checkedPorts([...kept, ...removed]);
    const any = removed[0] ?? kept[0];
    if (!any) return;
    const have = await portChainState(portChain(bridge, any.containerIp));
    await restore('nat', unpublishLines(bridge, any.containerIp, have, removed, kept.length === 0));
  },
};

/** describeChanges — restore lines as a report: what was added, deleted, emptied or removed. */
function describeChanges(lines: readonly string[]): string[] {
  return lines.filter((l) => !l.startsWith(':')).map((l) => {
    const verb = { '-A': 'added', '-D': 'deleted', '-F': 'emptied chain', '-X': 'removed chain' }[l.slice(0, 2)] ?? 'applied';
    return `nat: ${verb} ${l.slice(3)}`;
  });
}
