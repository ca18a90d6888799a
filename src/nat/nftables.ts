/**
 * nftables — the nftables FirewallBackend: applies nft-rules.ts to the kernel of tsnet's
 * netns, each change one `nft -f -` transaction (all of it or none of it). A publish is one
 * `add element` per map: its cost does not grow with the mappings already there. Teardown
 * does nothing when the table is gone (a flushed ruleset), so it never recreates it.
 * Spawned through core/exec only.
 */
import { run } from '../core/exec.js';
import type { FirewallBackend } from './backend.js';
import { addPorts, baseRuleset, networkRuleset, networkTeardown, nftInput, nftNetworkChains, NFT_TABLE, removePorts } from './nft-rules.js';

async function apply(lines: readonly string[]): Promise<void> {
  if (lines.length > 0) await run(['nft', '-f', '-'], { input: nftInput(lines) });
}

/** listTable — `nft list table ip tsnet`, or undefined when there is no such table. */
async function listTable(): Promise<string | undefined> {
  const r = await run(['nft', 'list', 'table', ...NFT_TABLE.split(' ')], { allowFailure: true });
  return r.code === 0 ? r.stdout : undefined;
}

async function tableExists(): Promise<boolean> {
  const r = await run(['nft', 'list', 'tables', 'ip']);
  return r.stdout.split('\n').includes(`table ${NFT_TABLE}`);
}

export const nftablesBackend: FirewallBackend = {
  name: 'nftables',

  async installNetwork(n) {
    await apply([...baseRuleset(), ...networkRuleset(n)]);
  },

  async uninstallNetwork(n) {
    if (await tableExists()) await apply(networkTeardown(n.bridge));
  },

  /** uninstallBase — the whole table, unless the user chain holds rules of the user's. */
  async uninstallBase() {
    const table = await listTable();
    if (table === undefined || /chain user \{\n\s*[^\s}]/.test(table)) return;
    await apply([`delete table ${NFT_TABLE}`]);
  },

  async networkInstalled(n) {
    const table = await listTable();
    if (table === undefined) return false;
    const c = nftNetworkChains(n.bridge);
    const b = JSON.stringify(n.bridge);
    const wanted = [
      'jump user', 'oifname vmap @inbound', 'iifname vmap @egress', 'jump published', 'map @ports-any',
      `chain ${c.inbound} {`, `chain ${c.egress} {`, `${b} : jump ${c.inbound}`, `${b} : jump ${c.egress}`,
      ...(n.internal ? [] : [`chain ${c.post} {`, 'masquerade']),
    ];
    return wanted.every((w) => table.includes(w));
  },

  async publish(_bridge, _existing, added) {
    await apply(addPorts(added));
  },

  async unpublish(_bridge, _kept, removed) {
    if (removed.length > 0 && (await tableExists())) await apply(removePorts(removed));
  },
};
