/**
 * bench/lib/per-rule — the per-rule anchor for port publishing: n DNAT rules added one
 * process each (`iptables -t nat -A`, `nft add rule`), in a namespace of its own. One child
 * inside the namespace runs the n processes, so `ip netns exec` is paid once.
 */
import type { Sandbox } from './sandbox.js';
import { run, timedRun } from './stats.js';

/** perRule — ms for n processes of `rule` (a JS array expression using i), after `setup`. */
export function perRule(box: Sandbox, label: string, n: number, setup: string[][], rule: string): number {
  const ns = box.netns(label);
  for (const argv of setup) run(['ip', 'netns', 'exec', ns, ...argv]);
  const loop = `const { spawnSync } = require('child_process');
    for (let i = 0; i < ${n}; i++) {
      const argv = ${rule};
      const r = spawnSync(argv[0], argv.slice(1));
      if (r.status !== 0) { console.error(String(r.stderr)); process.exit(1); }
    }`;
  const ms = timedRun(['ip', 'netns', 'exec', ns, process.execPath, '-e', loop], { timeoutMs: 600_000 }).ms;
  box.dropNetns(ns);
  return ms;
}

/** IPTABLES_DNAT — the rule expression for n `iptables -t nat -A` DNAT rules. */
export const IPTABLES_DNAT = "['iptables', '-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', String(20000 + i), '-j', 'DNAT', '--to-destination', '10.90.0.2:' + (1000 + i)]";
