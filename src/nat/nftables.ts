/**
 * nftables — the nftables FirewallBackend: applies nft-rules.ts to the kernel of tsnet's
 * netns, each change one `nft -f -` transaction (all of it or none of it). A publish is one
 * `add element` per map: its cost does not grow with the mappings already there. Teardown
 * does nothing when the table is gone (a flushed ruleset), so it never recreates it.
 * Spawned through core/exec only.
 */
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import type { FirewallBackend } from './firewall.js';
import { checkedNetwork, checkedPorts } from './state-check.js';
import { addPorts, portMapsReconcile, baseRuleset, networkRuleset, networkTeardown, nftErrorMessage, nftInput, nftNetworkChains, NFT_TABLE, removePorts } from './nft-rules.js';

/** apply — one transaction; a failure becomes a one-line error (see nftErrorMessage). */
async function apply(lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const r = await run(['nft', '-f', '-'], { input: nftInput(lines), allowFailure: true });
  if (r.code !== 0) throw new TsnetError('EEXEC', nftErrorMessage(r.stderr, r.code), { argv: r.argv, exitCode: r.code, stderr: r.stderr });
}

/** chainBody — the rules of one chain in a table listing, or undefined when it is not there. */
function chainBody(table: string, name: string): string | undefined {
  const m = new RegExp(`\\tchain ${name} \\{\\n([^}]*)\\}`).exec(table);
  return m?.[1];
}

/** listTable — `nft list table inet tsnet`, or undefined when there is no such table. */
async function listTable(): Promise<string | undefined> {
  const r = await run(['nft', 'list', 'table', ...NFT_TABLE.split(' ')], { allowFailure: true });
  return r.code === 0 ? r.stdout : undefined;
}

async function tableExists(): Promise<boolean> {
  const r = await run(['nft', 'list', 'tables', NFT_TABLE.split(' ')[0]!]);
  return r.stdout.split('\n').includes(`table ${NFT_TABLE}`);
}

export const nftablesBackend: FirewallBackend = {
  name: 'nftables',

  async installNetwork(n) {
    await apply([...baseRuleset(), ...networkRuleset(checkedNetwork(n))]);
  },

  async uninstallNetwork(n) {
    if (await tableExists()) await apply(networkTeardown(checkedNetwork(n).bridge));
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
    const c = nftNetworkChains(checkedNetwork(n).bridge);
    const b = JSON.stringify(n.bridge);
    const has = (chain: string, text: string): boolean => chainBody(table, chain)?.includes(text) ?? false;
    return has('forward', 'jump user') && has('forward', 'oifname vmap @inbound') && has('forward', 'iifname vmap @egress')
      && has('prerouting', 'jump published') && has('output', 'jump published') && has('published', 'map @ports-any') && has('input', '@localnet')
      && has(c.inbound, 'drop') && has(c.egress, 'accept') && table.includes(`${b} : jump ${c.inbound}`) && table.includes(`${b} : jump ${c.egress}`)
      && (n.internal || has(c.post, 'masquerade'));
  },

  async publish(_bridge, _existing, added) {
    await apply(addPorts(checkedPorts(added)));
  },

  /** reconcilePorts — the two port maps read once and corrected in one transaction. */
  async reconcilePorts(groups, owned, dryRun) {
    const ports = groups.flatMap((g) => checkedPorts(g.ports));
    if (!(await tableExists())) return [];
    const list = async (map: string): Promise<string> => (await run(['nft', 'list', 'map', ...NFT_TABLE.split(' '), map], { allowFailure: true })).stdout;
    const lines = portMapsReconcile({ 'ports-any': await list('ports-any'), 'ports-ip': await list('ports-ip') }, ports, owned);
    if (lines.length > 0 && !dryRun) await apply(lines);
    return lines.map((l) => `nft: ${l}`);
  },

  async unpublish(_bridge, _kept, removed) {
    if (removed.length > 0 && (await tableExists())) await apply(removePorts(checkedPorts(removed)));
  },
};
