/**
 * bench/images — pull + unpack, tsnet against its anchors in one run, on one local
 * docker-registry (loopback):
 *   big:     ~100 MB, one layer: 5000 files of 1-4 KiB plus 4 random 20 MiB files
 *   busybox: the 1 MB busybox-static image the tests use
 * Contestants, each into a store that has no layers of the image:
 *   tsnet        `tsnet pull -q REF` (download, verify, store, unpack), NODE_EXTRA_CA_CERTS
 *                set (the machine's bundle) and unset; `tsnet rmi` after each run; and the same
 *                command served by a `tsnet daemon` for that root (the client starts no Node,
 *                as ctr starts no containerd)
 *   skopeo+umoci `skopeo copy docker://REF oci:DIR:tag` then `umoci unpack`, back to back
 *   containerd   `ctr images pull --plain-http` against a containerd this bench starts with
 *                its own root, state and socket (overlayfs snapshotter: unpacks while
 *                pulling); `ctr images rm --sync` after each run
 *   tar xzf      GNU tar of the same layer blob from disk: the extraction floor
 * This VM's disk write-back dominates unless each run starts clean: before every timed run
 * the previous run's output is removed, then `sync` and the page cache dropped. One untimed
 * warm-up round, then rounds interleaved; medians. Ratios are tsnet (CA unset) / anchor.
 * Usage: npm run build && node dist/bench/images.js [--reps N] [--only big|busybox]
 */
import * as fs from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarize, timedRun } from './lib/stats.js';
import { startContainerd } from './lib/containerd.js';
import { startRegistry } from '../test/helpers/registry.js';
import { gnuTar } from '../test/helpers/tree.js';
import { writeOciLayout } from '../test/helpers/oci-layout.js';
import { busyboxTar } from '../test/helpers/busybox.js';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');
const LONG = { timeoutMs: 300_000 };

function bigTree(dir: string): void {
  for (let i = 0; i < 5000; i++) {
    const sub = join(dir, 'files', String(i % 50));
    if (i < 50) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(join(sub, `f${i}`), randomBytes(1024 + ((i * 7919) % 3072)));
  }
  fs.mkdirSync(join(dir, 'big'));
  for (let i = 0; i < 4; i++) fs.writeFileSync(join(dir, 'big', `r${i}`), randomBytes(20 << 20));
}

/** pushImage — an OCI layout of one layer pushed by skopeo; the path of its layer blob. */
function pushImage(tmp: string, name: string, tar: string, host: string): string {
  const layout = join(tmp, `oci-${name}`);
  const img = writeOciLayout(layout, [fs.readFileSync(tar)], 'latest');
  timedRun(['skopeo', '--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${host}/bench/${name}:latest`], LONG);
  return join(layout, 'blobs', 'sha256', img.layerDigests[0]!.slice(7));
}

/** dropCaches — written-back and cold: what every timed run starts from. */
function dropCaches(): void {
  spawnSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

/** startDaemon — `tsnet daemon` for root, in this netns (only loopback is used), once it serves. Its log goes to a file: a pipe would fill while spawnSync blocks this process. */
async function startDaemon(root: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  fs.mkdirSync(root, { recursive: true });
  const logFile = join(root, '..', 'bench-daemon.log');
  const log = fs.openSync(logFile, 'w');
  const d = spawn(TSNET, ['daemon', '--root', root], { env, stdio: ['ignore', 'ignore', log] });
  fs.closeSync(log);
  const deadline = Date.now() + 15_000;
  while (!fs.readFileSync(logFile, 'utf8').includes('serving')) {
    if (d.exitCode !== null || Date.now() > deadline) throw new Error(`tsnet daemon did not start: ${fs.readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return d;
}

async function stopDaemon(d: ChildProcess): Promise<void> {
  if (d.exitCode !== null) return;
  d.kill('SIGTERM');
  await new Promise((r) => d.once('exit', r));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, only: { type: 'string' } } });
  const reps = Number(values.reps);
  const tmp = fs.mkdtempSync(join(tmpdir(), 'tsnet-bench-images-'));
  const reg = await startRegistry(join(tmp, 'registry'));
  const ctrd = await startContainerd(join(tmp, 'containerd'));
  const envCa = { ...process.env, NODE_EXTRA_CA_CERTS: process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt' };
  const envNoCa = { ...process.env };
  delete envNoCa['NODE_EXTRA_CA_CERTS'];
  const out: string[] = [];
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  try {
    const src = join(tmp, 'src');
    fs.mkdirSync(src);
    bigTree(src);
    gnuTar(src, join(tmp, 'big.tar'));
    fs.rmSync(src, { recursive: true });
    busyboxTar(tmp, join(tmp, 'busybox.tar'));
    const blobs = { big: pushImage(tmp, 'big', join(tmp, 'big.tar'), reg.host), busybox: pushImage(tmp, 'busybox', join(tmp, 'busybox.tar'), reg.host) };
    for (const name of ['busybox', 'big'] as const) {
      if (values.only && values.only !== name) continue;
      const ref = `${reg.host}/bench/${name}:latest`;
      const root = join(tmp, `root-${name}`);
      const [oci, bundle, untar] = [join(tmp, 'oci-out'), join(tmp, 'bundle'), join(tmp, 'untar')];
      const clean = (): void => { for (const d of [oci, bundle, untar]) fs.rmSync(d, { recursive: true, force: true }); };
      const samples = { tsnetCa: [] as number[], tsnet: [] as number[], tsnetDaemon: [] as number[], skopeoUmoci: [] as number[], containerd: [] as number[], tar: [] as number[] };
      type Key = keyof typeof samples;
      const timed = (rep: number, key: Key, argvs: string[][], env?: NodeJS.ProcessEnv): void => {
        dropCaches();
        let ms = 0;
        for (const argv of argvs) ms += timedRun(argv, { ...LONG, env }).ms;
        if (rep >= 0) samples[key].push(ms);
      };
      for (let rep = -1; rep < reps; rep++) {
        timed(rep, 'tsnet', [[TSNET, 'pull', '-q', '--root', root, ref]], envNoCa);
        timedRun([TSNET, 'rmi', '--root', root, ref]);
        timed(rep, 'tsnetCa', [[TSNET, 'pull', '-q', '--root', root, ref]], envCa);
        timedRun([TSNET, 'rmi', '--root', root, ref]);
        const daemon = await startDaemon(root, envNoCa);
        try {
          timed(rep, 'tsnetDaemon', [[TSNET, 'pull', '-q', '--root', root, ref]], envNoCa);
          timedRun([TSNET, 'rmi', '--root', root, ref]);
        } finally {
          await stopDaemon(daemon);
        }
        timed(rep, 'skopeoUmoci', [
          ['skopeo', '--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:${name}`],
          ['umoci', 'unpack', '--image', `${oci}:${name}`, bundle],
        ]);
        clean();
        timed(rep, 'containerd', [ctrd.ctr(['images', 'pull', '--plain-http', ref])]);
        timedRun(ctrd.ctr(['images', 'rm', '--sync', ref]));
        fs.mkdirSync(untar);
        timed(rep, 'tar', [['tar', '-xzf', blobs[name], '-C', untar]]);
        clean();
      }
      const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v).median])) as Record<Key, number>;
      const size = fs.statSync(join(tmp, `${name}.tar`)).size;
      const r = (anchor: number): string => `${(m.tsnet / anchor).toFixed(2)}x`;
      out.push(
        `${name} (${(size / 1e6).toFixed(1)} MB tar, ${reps} runs, medians, caches dropped before each):`,
        `  tsnet pull          ${m.tsnet.toFixed(0)} ms (NODE_EXTRA_CA_CERTS unset), ${m.tsnetCa.toFixed(0)} ms (set); served by tsnet daemon ${m.tsnetDaemon.toFixed(0)} ms (ratio ${(m.tsnetDaemon / m.skopeoUmoci).toFixed(2)}x skopeo+umoci, ${(m.tsnetDaemon / m.containerd).toFixed(2)}x containerd)`,
        `  skopeo copy + umoci ${m.skopeoUmoci.toFixed(0)} ms   ratio ${r(m.skopeoUmoci)}${name === 'big' ? ' (target <= 0.5x)' : ' (target <= 1x)'}`,
        `  containerd (ctr)    ${m.containerd.toFixed(0)} ms   ratio ${r(m.containerd)}${name === 'big' ? ' (target <= 0.5x)' : ''}`,
        `  tar xzf             ${m.tar.toFixed(0)} ms   ratio ${r(m.tar)}${name === 'big' ? ' (target <= 1.5x)' : ''}`,
      );
      console.log(out.slice(-5).join('\n'));
    }
    console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await ctrd.stop();
    await reg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
