/**
 * bench/images-limits — what the registry limits cost a pull's download (issue 10: at most
 * 3%). A ~100 MB incompressible layer is served from memory by an HTTP server on loopback
 * in this process; each round fetches it through http-transport's send() (connect and idle
 * timers armed) and then either through capped() (the cut at the declared size) or
 * straight from the response, into a sha256 as pull's blob store would. Runs alternate;
 * medians of wall time and of this process's CPU time. The decompressed-size cap is one
 * comparison inside the diff-id hashing stage that a pull needs anyway, so it is not timed
 * apart. Usage: npm run build && node dist/bench/images-limits.js [--reps N]
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { capped, send } from '../src/images/http-transport.js';
import { DEFAULT_LIMITS } from '../src/images/limits.js';
import { summarize } from './lib/stats.js';

async function drain(body: Readable): Promise<void> {
  const h = createHash('sha256');
  for await (const c of body) h.update(c as Buffer);
  h.digest();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '15' } } });
  const reps = Number(values.reps);
  const layer = randomBytes(100 << 20);
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-length': layer.length }); res.end(layer); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const url = new URL(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/blob`);
  const samples = { bounded: { wall: [] as number[], cpu: [] as number[] }, plain: { wall: [] as number[], cpu: [] as number[] } };
  try {
    for (let rep = -1; rep < reps; rep++) {
      for (const kind of ['bounded', 'plain'] as const) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const res = await send('GET', url, { limits: DEFAULT_LIMITS }, undefined);
        await drain(kind === 'bounded' ? capped(res, layer.length, 'layer') : res.body);
        const c = process.cpuUsage(c0);
        if (rep < 0) continue;
        samples[kind].wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
        samples[kind].cpu.push((c.user + c.system) / 1000);
      }
    }
  } finally {
    server.close();
    server.closeAllConnections();
  }
  const m = (x: number[]): number => summarize(x).median;
  const [bw, pw, bc, pc] = [m(samples.bounded.wall), m(samples.plain.wall), m(samples.bounded.cpu), m(samples.plain.cpu)];
  console.log(`100 MiB download + sha256, ${reps} runs each, medians (load ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  console.log(`  with the declared-size cut: ${bw.toFixed(0)} ms wall, ${bc.toFixed(0)} ms CPU`);
  console.log(`  straight from the response: ${pw.toFixed(0)} ms wall, ${pc.toFixed(0)} ms CPU`);
  console.log(`  cost of the limits: ${(((bw / pw) - 1) * 100).toFixed(1)}% wall, ${(((bc / pc) - 1) * 100).toFixed(1)}% CPU (target <= 3%)`);
}

void main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
