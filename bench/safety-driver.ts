/**
 * safety-driver — the in-process half of bench/safety: fills a state root with many real
 * attachments and published ports through the engine's own calls (a CLI process per
 * attachment would take minutes), inside the host netns it is run in (`ip netns exec HOST
 * node dist/bench/safety-driver.js`; Node's threads never move between namespaces).
 *
 *   node dist/bench/safety-driver.js --root DIR --firewall iptables|nftables \
 *        --per-guest 10 GUEST1 ... GUESTN
 *
 * Makes network `lab` (10.80.0.0/18), attaches eth1..ethK in each guest and publishes one
 * TCP port per attachment. Prints one JSON object with the counts and the setup time.
 */
import { parseArgs } from 'node:util';
import { EngineContext } from '../src/engine/context.js';
import { createNetwork } from '../src/network/network.js';
import { attach } from '../src/attach/attach.js';
import { publishPorts } from '../src/network/ports.js';
import { parseAttach, parseGuest } from '../src/attach/grammar.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: 'string' }, firewall: { type: 'string', default: 'iptables' }, 'per-guest': { type: 'string', default: '10' } },
  });
  if (!values.root) throw new Error('--root DIR is required');
  const perGuest = Number(values['per-guest']);
  const ctx = new EngineContext({ root: values.root, firewallBackend: values.firewall });
  const t0 = performance.now();
  let attachments = 0;
  let ports = 0;
  try {
    await createNetwork(ctx, { name: 'lab', subnet: '10.80.0.0/18' });
    for (const guest of positionals) {
      for (let k = 1; k <= perGuest; k++) {
        const ctrIf = `eth${k}`;
        await attach(ctx, parseAttach({ hostIf: 'lab', guest, ctrIf }));
        attachments++;
        await publishPorts(ctx, parseGuest(guest), [`${20000 + ports}:80`], { ctrIf });
        ports++;
      }
    }
  } finally {
    ctx.close();
  }
  process.stdout.write(`${JSON.stringify({ attachments, ports, setupSeconds: Math.round(performance.now() - t0) / 1000 })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`safety-driver: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
