/**
 * passthrough — the arguments of `tsnet route|rule|tc GUEST ARGS...` that belong to tsnet,
 * not to ip or tc: --dry-run and the global options may stand anywhere on the line (ip and
 * tc take none of them after the object), and `--` ends tsnet's own. Pure.
 * @pure
 */
import type { GlobalOpts } from './output.js';

export interface Passthrough {
  args: string[];
  own: GlobalOpts & { dryRun?: boolean };
}

const FLAGS: Record<string, keyof Passthrough['own']> = { '--dry-run': 'dryRun', '--json': 'json', '--debug': 'debug' };
const VALUED: Record<string, 'root' | 'firewallBackend'> = { '--root': 'root', '--firewall-backend': 'firewallBackend' };

export function splitPassthrough(all: readonly string[]): Passthrough {
  const args: string[] = [];
  const own: Record<string, unknown> = {};
  for (let i = 0; i < all.length; i++) {
    const a = all[i]!;
    if (a === '--') { args.push(...all.slice(i + 1)); break; }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (FLAGS[a]) own[FLAGS[a]] = true;
    else if (VALUED[name]) own[VALUED[name]] = eq > 0 && name !== a ? a.slice(eq + 1) : all[++i];
    else args.push(a);
  }
  return { args, own: own as Passthrough['own'] };
}
