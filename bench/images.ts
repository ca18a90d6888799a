/**
 * bench/images — pull + unpack against skopeo + umoci, on one local docker-registry:
 *   big:     ~100 MB, one layer: 5000 files of 1-4 KiB plus 4 random 20 MiB files
 *   busybox: the 1 MB busybox-static image the tests use
 * tsnet: `tsnet pull -q REF` (downloads, verifies, stores, unpacks), into a state root that
 * exists (made once, as `tsnet init` or any first command would), with `tsnet rmi` after
 * each run so every pull starts with no layers.
 * anchor: `skopeo copy docker://REF oci:DIR:tag` then `umoci unpack --image DIR:tag BUNDLE`,
 * into fresh directories each run.
 * One untimed warm-up round each, then runs interleaved; medians are reported.
 * Usage: npm run build && node dist/bench/images.js [--reps N]
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarize, timedRun } from './lib/stats.js';
import { startRegistry } from '../test/helpers/registry.js';
import { gnuTar } from '../test/helpers/tree.js';
import { writeOciLayout } from '../test/helpers/oci-layout.js';
import { busyboxTar } from '../test/helpers/busybox.js';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');

function bigTree(dir: string): void {
  for (let i = 0; i < 5000; i++) {
    const sub = join(dir, 'files', String(i % 50));
    if (i < 50) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(join(sub, `f${i}`), randomBytes(1024 + ((i * 7919) % 3072)));
  }
  fs.mkdirSync(join(dir, 'big'));
  for (let i = 0; i < 4; i++) fs.writeFileSync(join(dir, 'big', `r${i}`), randomBytes(20 << 20));
}

function pushImage(tmp: string, name: string, tar: string, host: string): void {
  const layout = join(tmp, `oci-${name}`);
  writeOciLayout(layout, [fs.readFileSync(tar)], 'latest');
  timedRun(['skopeo', '--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${host}/bench/${name}:latest`]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
  const reps = Number(values.reps);
  const tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-bench-images-'));
  const reg = await startRegistry(join(tmp, 'registry'));
  try {
    const src = join(tmp, 'src');
    fs.mkdirSync(src);
    bigTree(src);
    gnuTar(src, join(tmp, 'big.tar'));
    fs.rmSync(src, { recursive: true });
    busyboxTar(tmp, join(tmp, 'busybox.tar'));
    pushImage(tmp, 'big', join(tmp, 'big.tar'), reg.host);
    pushImage(tmp, 'busybox', join(tmp, 'busybox.tar'), reg.host);
    for (const name of ['busybox', 'big']) {
      const ref = `${reg.host}/bench/${name}:latest`;
      const t: number[] = [];
      const sk: number[] = [];
      const um: number[] = [];
      const root = join(tmp, `root-${name}`);
      for (let rep = -1; rep < reps; rep++) {
        const keep = <T>(list: T[], v: T): void => { if (rep >= 0) list.push(v); };
        keep(t, timedRun([TSNET, 'pull', '-q', '--root', root, ref], { timeoutMs: 120_000 }).ms);
        timedRun([TSNET, 'rmi', '--root', root, ref]);
        const oci = join(tmp, `oci-out-${rep}`);
        const bundle = join(tmp, `bundle-${rep}`);
        keep(sk, timedRun(['skopeo', '--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:${name}`], { timeoutMs: 120_000 }).ms);
        keep(um, timedRun(['umoci', 'unpack', '--image', `${oci}:${name}`, bundle], { timeoutMs: 120_000 }).ms);
        fs.rmSync(oci, { recursive: true, force: true });
        fs.rmSync(bundle, { recursive: true, force: true });
      }
      const [mt, ms, mu] = [summarize(t).median, summarize(sk).median, summarize(um).median];
      const size = fs.statSync(join(tmp, `${name}.tar`)).size;
      console.log(`${name} (${(size / 1e6).toFixed(1)} MB tar, ${reps} runs): tsnet pull ${mt.toFixed(0)} ms | skopeo copy ${ms.toFixed(0)} ms + umoci unpack ${mu.toFixed(0)} ms = ${(ms + mu).toFixed(0)} ms | ratio ${(mt / (ms + mu)).toFixed(2)}x (target <= 0.5x)`);
    }
  } finally {
    await reg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
