/**
 * inproc-attach — the in-process half of bench/attach: what attach() and detach() cost as
 * library calls, with no process start and no module loading, i.e. what a long-lived
 * caller (the daemon, the CNI adapter in a server, a lab applying many links) pays per
 * operation. bench/attach runs it as `ip netns exec HOST node dist/bench/inproc-attach.js`
 * because Node's threads must never be moved between namespaces (DESIGN rule 6); the
 * parent makes the guest namespaces beforehand and passes their names.
 *
 *   node dist/bench/inproc-attach.js --root DIR --backend netlink|iproute2 \
 *        --bridge br0 --prefix 10.79.0 WARMUP_GUEST GUEST1 ... GUESTN
 *
 * The first guest is a warm-up (it pays the lazy requires, the database open and the
 * first netlink socket); its times are reported apart as `cold`. After each detach, the
 * kernel's own cost of deleting a veth is timed on the same socket (a pair made into the
 * same guest, deleted with one RTM_DELLINK): the floor detach cannot go below. Prints one
 * JSON object.
 */
import { parseArgs } from 'node:util';
import type { LinkOpsBackend } from '../src/netlink/linkops.js';

export interface InprocResult {
  backend: LinkOpsBackend;
  /** Time to require the four engine modules (not the backend, which loads lazily). */
  requireMs: number;
  cold: { attachMs: number; detachMs: number };
  attachMs: number[];
  detachMs: number[];
  /** One RTM_DELLINK of a veth pair on the host's LinkOps: the kernel's own deletion. */
  vethDeleteMs: number[];
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      backend: { type: 'string', default: 'netlink' },
      bridge: { type: 'string', default: 'br0' },
      prefix: { type: 'string', default: '10.79.0' },
    },
  });
  if (!values.root) throw new Error('--root DIR is required (a temp dir the caller removes)');
  if (values.backend !== 'netlink' && values.backend !== 'iproute2') throw new Error(`--backend ${values.backend}: netlink or iproute2`);
  if (positionals.length < 2) throw new Error('give a warm-up guest and at least one measured guest');
  const backend: LinkOpsBackend = values.backend;

  /* tsnet-lint-disable no-require -- the load of the engine is part of what is measured (t0 is taken before) */
  const t0 = nowMs();
  const { EngineContext } = require('../src/engine/context.js') as typeof import('../src/engine/context.js');
  const { attach } = require('../src/attach/attach.js') as typeof import('../src/attach/attach.js');
  const { detach } = require('../src/attach/detach.js') as typeof import('../src/attach/detach.js');
  const { parseAttach, parseGuest } = require('../src/attach/grammar.js') as typeof import('../src/attach/grammar.js');
  const { resolveGuest } = require('../src/netns/guest.js') as typeof import('../src/netns/guest.js');
  const requireMs = nowMs() - t0;
  /* tsnet-lint-enable no-require */

  const ctx = new EngineContext({ root: values.root, backend });
  const times = { attachMs: [] as number[], detachMs: [] as number[], vethDeleteMs: [] as number[] };
  let cold = { attachMs: NaN, detachMs: NaN };
  try {
    for (const [i, guest] of positionals.entries()) {
      // The request is parsed outside the timed region for detach, inside it for attach:
      // a library caller builds the request too, and parsing is part of attach's contract.
      const a0 = nowMs();
      const req = parseAttach({ hostIf: values.bridge, guest, ipSpec: `${values.prefix}.${10 + (i % 200)}/24` });
      const res = await attach(ctx, req);
      const a1 = nowMs();
      if (!res.changed) throw new Error(`attach ${guest}: nothing changed (${res.message})`);
      const ref = parseGuest(guest);
      const d0 = nowMs();
      const det = await detach(ctx, ref);
      const d1 = nowMs();
      if (det.removed.length !== 1) throw new Error(`detach ${guest}: removed ${det.removed.length} (${det.message}; ${det.warnings.join('; ')})`);
      if (i === 0) {
        cold = { attachMs: a1 - a0, detachMs: d1 - d0 };
      } else {
        times.attachMs.push(a1 - a0);
        times.detachMs.push(d1 - d0);
        times.vethDeleteMs.push(await vethDelete(await ctx.hostLinks(), resolveGuest(ref)));
      }
    }
  } finally {
    ctx.close();
  }
  const result: InprocResult = { backend, requireMs, cold, ...times };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** vethDelete — a veth pair made into the guest, then the time of deleting it alone. */
async function vethDelete(host: import('../src/netlink/linkops.js').LinkOps, guest: import('../src/netns/guest.js').ResolvedGuest): Promise<number> {
  try {
    await host.addVeth({ name: 'tsnbenchveth', peerName: 'eth9', peerNetns: guest });
    const t0 = nowMs();
    await host.deleteLink('tsnbenchveth');
    return nowMs() - t0;
  } finally {
    guest.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`inproc-attach: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
