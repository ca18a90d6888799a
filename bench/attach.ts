/**
 * bench/attach — what one attach and one detach cost, side by side with the anchor, in ONE
 * run so that the machine's noise hits every contender alike:
 *   1. `node -e 0` (plain, and under `ip netns exec HOST`): the floor every Node CLI pays;
 *   2. `tsnet attach` / `tsnet detach` as a user runs them, each a process, timed apart;
 *   3. the CNI reference bridge plugin's ADD / DEL (host-local IPAM, ipMasq:false);
 *   4. attach() / detach() as in-process library calls (bench/inproc-attach), with the
 *      netlink backend and with the iproute2 backend, and the kernel's own veth deletion.
 * 1-3 are interleaved iteration by iteration (rotating which goes first); every timed
 * operation gets a fresh guest netns made before the loop. Everything happens inside
 * namespaces named tsnet-t-<random>, one of which plays the host; all are removed at the
 * end, on failure and on Ctrl-C. Prints a table (or --json) with medians, p10/p90, the
 * derived numbers and the ratios.
 *
 *   npm run bench -- [--iterations N] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { InprocResult } from './inproc-attach.js';
import { cniAddress, cniCall, cniNetwork, newContainerId, type CniNetwork } from './lib/cni.js';
import { buildReport, emptySamples, renderText, type Samples } from './lib/report.js';
import { Sandbox, tick } from './lib/sandbox.js';
import { round, run, timedRun } from './lib/stats.js';

const REPO = resolve(__dirname, '..', '..');
const TSNET = join(REPO, 'bin', 'tsnet');
const INPROC = join(__dirname, 'inproc-attach.js');
const NODE = process.execPath;
const BRIDGE = 'br0';

interface World {
  sb: Sandbox;
  host: string;
  cliRoot: string;
  cni: CniNetwork;
}

function cliAttach(w: World, guest: string, i: number): number {
  const argv = ['ip', 'netns', 'exec', w.host, TSNET, 'attach', '--root', w.cliRoot, BRIDGE, guest, `10.77.0.${10 + (i % 200)}/24`];
  return timedRun(argv, { timeoutMs: 30_000 }).ms;
}

function cliDetach(w: World, guest: string): number {
  return timedRun(['ip', 'netns', 'exec', w.host, TSNET, 'detach', '--root', w.cliRoot, guest], { timeoutMs: 30_000 }).ms;
}

function links(ns: string): string[] {
  return (JSON.parse(run(['ip', '-n', ns, '-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname);
}

/** warmUp — one of everything, untimed, checked: a benchmark of a failing attach is worthless. */
function warmUp(w: World, cliGuest: string, cniGuest: string): void {
  run([NODE, '-e', '0']);
  run(['ip', 'netns', 'exec', w.host, NODE, '-e', '0']);
  cliAttach(w, cliGuest, 0);
  const addr = run(['ip', '-n', cliGuest, '-br', 'addr', 'show', 'dev', 'eth1']);
  if (!addr.includes('10.77.0.10/24')) throw new Error(`tsnet attach did not give ${cliGuest} eth1 10.77.0.10/24: ${addr.trim()}`);
  cliDetach(w, cliGuest);
  if (links(cliGuest).includes('eth1')) throw new Error(`tsnet detach left eth1 in ${cliGuest}`);
  const id = newContainerId();
  const got = cniAddress(cniCall(w.cni, 'ADD', cniGuest, id).stdout);
  const eth0 = run(['ip', '-n', cniGuest, '-br', 'addr', 'show', 'dev', 'eth0']);
  if (!eth0.includes(got)) throw new Error(`CNI ADD said ${got} but ${cniGuest} eth0 has: ${eth0.trim()}`);
  cniCall(w.cni, 'DEL', cniGuest, id);
  if (links(cniGuest).includes('eth0')) throw new Error(`CNI DEL left eth0 in ${cniGuest}`);
}

/** loop — N rounds of blocks 1-3, the block order rotated each round. */
async function loop(w: World, n: number, cliGuests: string[], cniGuests: string[], s: Samples): Promise<void> {
  const blocks: Array<(i: number) => void> = [
    () => {
      s.nodeFloor.push(timedRun([NODE, '-e', '0']).ms);
      s.nodeFloorNs.push(timedRun(['ip', 'netns', 'exec', w.host, NODE, '-e', '0']).ms);
    },
    (i) => {
      s.cliAttach.push(cliAttach(w, cliGuests[i]!, i + 1));
      s.cliDetach.push(cliDetach(w, cliGuests[i]!));
    },
    (i) => {
      const id = newContainerId();
      s.cniAdd.push(cniCall(w.cni, 'ADD', cniGuests[i]!, id).ms);
      s.cniDel.push(cniCall(w.cni, 'DEL', cniGuests[i]!, id).ms);
    },
  ];
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < blocks.length; b++) blocks[(i + b) % blocks.length]!(i);
    await tick();
  }
}

/** inproc — one child process in HOST doing warm-up + N attach()/detach() calls. */
function inproc(w: World, backend: 'netlink' | 'iproute2', guests: string[], prefix: string): InprocResult {
  const root = w.sb.tmpdir(`inproc-${backend}`);
  const argv = ['ip', 'netns', 'exec', w.host, NODE, INPROC, '--root', root, '--backend', backend, '--bridge', BRIDGE, '--prefix', prefix, ...guests];
  const out = timedRun(argv, { timeoutMs: 120_000 }).stdout;
  return JSON.parse(out) as InprocResult;
}

function parseOptions(): { iterations: number; json: boolean } {
  const { values } = parseArgs({ options: { iterations: { type: 'string', short: 'n', default: '20' }, json: { type: 'boolean', default: false } } });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1000) throw new Error(`--iterations ${values.iterations}: a whole number 1-1000`);
  return { iterations, json: values.json };
}

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('needs root: it creates network namespaces (everything stays inside them)');
  for (const f of [TSNET, INPROC, join(REPO, 'dist', 'src', 'cli', 'main.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing; run npm run build first`);
  }
}

async function main(): Promise<void> {
  const { iterations: n, json } = parseOptions();
  preflight();
  const started = Date.now();
  const sb = new Sandbox();
  try {
    const host = sb.netns('host');
    run(['ip', '-n', host, 'link', 'add', BRIDGE, 'type', 'bridge']);
    run(['ip', '-n', host, 'link', 'set', BRIDGE, 'up']);
    const w: World = { sb, host, cliRoot: sb.tmpdir('cli'), cni: cniNetwork(host, join(sb.tmpdir('cni'), 'ipam')) };
    const make = (p: string): string[] => Array.from({ length: n + 1 }, (_, i) => sb.netns(`${p}${i}`));
    const cliGuests = make('a');
    const cniGuests = make('c');
    const nlGuests = make('n');
    const ipGuests = make('p');
    if (!json) process.stderr.write(`bench: sandbox tsnet-t-${sb.tag}-*, ${4 * (n + 1) + 1} namespaces; warming up\n`);

    warmUp(w, cliGuests[0]!, cniGuests[0]!);
    const s = emptySamples();
    await loop(w, n, cliGuests.slice(1), cniGuests.slice(1), s);
    await tick();
    const nl = inproc(w, 'netlink', nlGuests, '10.79.0');
    await tick();
    const ip = inproc(w, 'iproute2', ipGuests, '10.80.0');
    s.inprocAttachNetlink = nl.attachMs; s.inprocDetachNetlink = nl.detachMs; s.kernelVethDelete = nl.vethDeleteMs;
    s.inprocAttachIproute2 = ip.attachMs; s.inprocDetachIproute2 = ip.detachMs;

    const leftover = links(host).filter((l) => !['lo', BRIDGE, 'cni0'].includes(l));
    const environment = {
      node: process.version, cpus: cpus().length, loadavgAtEnd: loadavg().map(round),
      kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), wallSeconds: round((Date.now() - started) / 1000),
      nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] ?? null,
    };
    const notes = [
      'CNI bridge ran with ipMasq:false (no iptables); baselines.md measured ipMasq:true (~75-100 ms ADD), not comparable.',
      'every CLI/CNI figure includes `ip netns exec HOST` (unshare + remount /sys); compare with the ip netns exec node -e 0 row.',
      `in-process cold (first call: lazy requires, db open): netlink attach ${round(nl.cold.attachMs)} / detach ${round(nl.cold.detachMs)} ms, ` +
        `iproute2 attach ${round(ip.cold.attachMs)} / detach ${round(ip.cold.detachMs)} ms; engine modules require ${round(nl.requireMs)} ms.`,
      ...(process.env['NODE_EXTRA_CA_CERTS'] ? ['NODE_EXTRA_CA_CERTS is set: every Node start here reads that CA bundle (tens of ms); it is in node -e 0 too, so the differences hold.'] : []),
      leftover.length ? `LEFTOVER links in HOST after all detaches/DELs: ${leftover.join(', ')}` : 'HOST had no leftover links after all detaches/DELs.',
    ];
    const report = buildReport(n, s, environment, notes, { inprocCold: { netlink: nl.cold, iproute2: ip.cold }, requireMs: { netlink: nl.requireMs, iproute2: ip.requireMs }, leftoverHostLinks: leftover });
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  } finally {
    sb.dispose();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/attach: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
