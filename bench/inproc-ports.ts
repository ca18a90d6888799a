/**
 * inproc-ports — the in-process half of bench/ports: what publishPorts() costs as a library
 * call, with no process start and no module loading (what the daemon or a `tsnet run`
 * that publishes pays). bench/ports runs it as `ip netns exec HOST node
 * dist/bench/inproc-ports.js` (Node's threads are never moved between namespaces); the
 * parent has made the network and attached the four guests beforehand.
 *
 *   node dist/bench/inproc-ports.js --root DIR --mappings N WARMUP FIRST BATCH NEXT
 *
 * WARMUP pays the lazy requires and the first firewall call. Then, --pairs times: FIRST
 * times mapping #1 (no other mapping but the warm-up's) and lets it go, BATCH times N
 * mappings in one call, NEXT times mapping #N+1, and both are let go again — so #1 and
 * #N+1 are timed in turns and the machine's load falls on both alike.
 * Prints one JSON object: { firstMs: [], batchMs: [], nextMs: [] }.
 */
import { parseArgs } from 'node:util';
import { EngineContext } from '../src/engine/context.js';
import { publishPorts, unpublishPorts } from '../src/network/ports.js';
import { parseGuest } from '../src/attach/grammar.js';

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: 'string' }, mappings: { type: 'string', default: '1000' }, pairs: { type: 'string', default: '4' } },
  });
  if (!values.root || positionals.length !== 4) throw new Error('usage: --root DIR [--mappings N] [--pairs P] WARMUP FIRST BATCH NEXT');
  const n = Number(values.mappings);
  const [warmup, first, batch, next] = positionals.map(parseGuest) as [ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>];
  const ctx = new EngineContext({ root: values.root });
  // The batch's garbage is collected before each timed call (node --expose-gc): otherwise
  // the collection it triggers would land on whichever call comes next (#N+1).
  const gc = (globalThis as { gc?: () => void }).gc;
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    gc?.();
    const t0 = nowMs();
    await fn();
    return nowMs() - t0;
  };
  try {
    await publishPorts(ctx, warmup, ['39999:80']);
    const specs = Array.from({ length: n }, (_, i) => `${20000 + i}:${1000 + i}`);
    const out = { firstMs: [] as number[], batchMs: [] as number[], nextMs: [] as number[] };
    for (let i = 0; i < Number(values.pairs); i++) {
      out.firstMs.push(await timed(() => publishPorts(ctx, first, ['40000:80'])));
      await unpublishPorts(ctx, first, []);
      out.batchMs.push(await timed(() => publishPorts(ctx, batch, specs)));
      out.nextMs.push(await timed(() => publishPorts(ctx, next, ['40001:80'])));
      await unpublishPorts(ctx, next, []);
      await unpublishPorts(ctx, batch, []);
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    ctx.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`inproc-ports: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
