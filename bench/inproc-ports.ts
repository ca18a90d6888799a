/**
 * inproc-ports — the in-process half of bench/ports: what publishPorts() costs as a library
 * call, with no process start and no module loading (what the daemon or a `tsnet run`
 * that publishes pays). bench/ports runs it as `ip netns exec HOST node
 * dist/bench/inproc-ports.js` (Node's threads are never moved between namespaces); the
 * parent has made the network and attached the four guests beforehand.
 *
 *   node dist/bench/inproc-ports.js --root DIR --mappings N WARMUP FIRST BATCH NEXT
 *
 * WARMUP pays the lazy requires and the first firewall call; FIRST times mapping #1 (and is
 * unpublished again); BATCH times N mappings in one call; NEXT times mapping #N+1.
 * Prints one JSON object: { firstMs, batchMs, nextMs }.
 */
import { parseArgs } from 'node:util';

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: 'string' }, mappings: { type: 'string', default: '1000' } } });
  if (!values.root || positionals.length !== 4) throw new Error('usage: --root DIR [--mappings N] WARMUP FIRST BATCH NEXT');
  const n = Number(values.mappings);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { EngineContext } = require('../src/attach/context.js') as typeof import('../src/attach/context.js');
  const { publishPorts, unpublishPorts } = require('../src/network/ports.js') as typeof import('../src/network/ports.js');
  const { parseGuest } = require('../src/attach/grammar.js') as typeof import('../src/attach/grammar.js');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const [warmup, first, batch, next] = positionals.map(parseGuest) as [ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>, ReturnType<typeof parseGuest>];
  const ctx = new EngineContext({ root: values.root });
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = nowMs();
    await fn();
    return nowMs() - t0;
  };
  try {
    await publishPorts(ctx, warmup, ['39999:80']);
    const firstMs = await timed(() => publishPorts(ctx, first, ['40000:80']));
    await unpublishPorts(ctx, first, []);
    const specs = Array.from({ length: n }, (_, i) => `${20000 + i}:${1000 + i}`);
    const batchMs = await timed(() => publishPorts(ctx, batch, specs));
    const nextMs = await timed(() => publishPorts(ctx, next, ['40001:80']));
    process.stdout.write(`${JSON.stringify({ firstMs, batchMs, nextMs })}\n`);
  } finally {
    ctx.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`inproc-ports: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
