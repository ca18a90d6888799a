/**
 * select-backend — the choice of firewall backend for a state root: `iptables` (rules in
 * the filter/nat tables, iptables-restore), `nftables` (a table of tsnet's own, one `nft -f`
 * per change, port mappings as map elements) or `none` (nothing is installed: the user's
 * own firewall does it). The choice is made once per state root and stored in it, because
 * teardown and gc must find the rules where they were put.
 */
import { TsnetError, invalid } from '../core/errors.js';
import { run } from '../core/exec.js';
import { FIREWALL_BACKENDS, type FirewallBackend, type FirewallBackendName } from './firewall.js';
import { noneBackend } from './none.js';

export function parseBackendName(name: string): FirewallBackendName {
  if (!(FIREWALL_BACKENDS as readonly string[]).includes(name)) throw invalid(`firewall backend "${name}" is not one of ${FIREWALL_BACKENDS.join(', ')}`);
  return name as FirewallBackendName;
}

/** firewallBackend — the implementation; each is loaded only when used (literal requires for the bundle). */
export function firewallBackend(name: FirewallBackendName): FirewallBackend {
  /* tsnet-lint-disable no-require -- a backend loads only when chosen; literal paths so the bundle still holds both */
  if (name === 'iptables') return (require('./iptables.js') as typeof import('./iptables.js')).iptablesBackend;
  if (name === 'nftables') return (require('./nftables.js') as typeof import('./nftables.js')).nftablesBackend;
  /* tsnet-lint-enable no-require */
  return noneBackend;
}

/**
 * chooseBackend — the state root's backend: the stored one (a different request is an
 * error: rules already made would be stranded), else the request, else iptables for a root
 * that already has networks (they were made before the choice existed), else the default.
 */
export async function chooseBackend(stored: string | undefined, requested: string | undefined, hasNetworks: boolean,
  detect: () => Promise<FirewallBackendName> = detectDefault): Promise<{ name: FirewallBackendName; store: boolean }> {
  const wanted = requested === undefined ? undefined : parseBackendName(requested);
  const known = stored !== undefined ? parseBackendName(stored) : hasNetworks ? 'iptables' : undefined;
  if (known !== undefined && wanted !== undefined && wanted !== known) {
    throw new TsnetError('ECONFLICT', `this state root uses the ${known} firewall backend (chosen on first use); --firewall-backend ${wanted} would strand its rules: leave the flag out, or use another --root`);
  }
  return { name: known ?? wanted ?? (await detect()), store: stored === undefined };
}

/**
 * detectDefault — iptables when it works here, else nftables. iptables is preferred because
 * its chains live in the filter table that other tools (ufw, Docker, firewalld's direct
 * rules) also use: a FORWARD policy of DROP there would drop tsnet's traffic even after a
 * table of our own accepted it, and users' habits (iptables -I TSNET-USER) keep working.
 */
export async function detectDefault(): Promise<FirewallBackendName> {
  const r = await run(['iptables', '-w', '-S', 'FORWARD'], { allowFailure: true }).catch(() => undefined);
  return r?.code === 0 ? 'iptables' : 'nftables';
}
