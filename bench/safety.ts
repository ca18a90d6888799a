/**
 * bench/safety — the Speed figures of issue 9, in one run, inside throwaway namespaces:
 *   1. 30 concurrent `tsnet attach lab gN` onto one existing network: wall time with this
 *      build against a build from before the host lock and intent records (--before DIR,
 *      a checkout of 0c5bfa5 built with npm run build), interleaved run by run; detached
 *      again between runs. Target: at most 10% slower.
 *   2. `tsnet gc` on a root with 1000 attachments and 1000 published ports (100 guests ×
 *      10 interfaces, one port each; filled in-process by bench/safety-driver), per
 *      firewall backend: a root that matches the kernel, and one whose port mappings were
 *      flushed (gc puts 1000 back in one batch). Target: under 2 s.
 * Node-process figures are taken with NODE_EXTRA_CA_CERTS as the caller has it and unset.
 * Medians of --runs (default 5). `uptime` before and after goes in the report.
 *
 *   node dist/bench/safety.js [--before /tmp/tsnet-before] [--runs 5] [--skip-gc] [--skip-attach]
 */
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Sandbox } from './lib/sandbox.js';
import { round, run, summarize, timedRun } from './lib/stats.js';

const REPO = resolve(__dirname, '..', '..');
const DRIVER = join(__dirname, 'safety-driver.js');

function uptime(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}

/** envWith — the environment with NODE_EXTRA_CA_CERTS as given (undefined: removed). */
function envWith(ca: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (ca === undefined) delete env['NODE_EXTRA_CA_CERTS'];
  else env['NODE_EXTRA_CA_CERTS'] = ca;
  return env;
}

/** concurrently — argvs started at once; resolves to the wall time until the last exits (throws on a failure). */
function concurrently(argvs: string[][], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  return Promise.all(argvs.map((argv) => new Promise<void>((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('close', (code) => (code === 0 ? res() : rej(new Error(`${argv.slice(3).join(' ')}: ${err.trim()}`))));
  }))).then(() => performance.now() - t0);
}

async function concurrentAttaches(sb: Sandbox, builds: Record<string, string>, runs: number, env: NodeJS.ProcessEnv, tag: string): Promise<Record<string, number[]>> {
  const host = sb.netns(`${tag}host`);
  const guests = Array.from({ length: 30 }, (_, i) => sb.netns(`${tag}${i}`));
  const roots: Record<string, string> = {};
  for (const [name, repo] of Object.entries(builds)) {
    roots[name] = sb.tmpdir(`attach-${tag}-${name}`);
    run(['ip', 'netns', 'exec', host, join(repo, 'bin', 'tsnet'), 'network', 'create', `lab${name}`, '--root', roots[name]!, '--subnet', `10.9${Object.keys(roots).length}.0.0/24`]);
  }
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, repo] of Object.entries(builds)) {
      const tsnet = join(repo, 'bin', 'tsnet');
      const cmd = (args: string[]): string[] => ['ip', 'netns', 'exec', host, tsnet, args[0]!, '--root', roots[name]!, ...args.slice(1)];
      out[name]!.push(await concurrently(guests.map((g) => cmd(['attach', `lab${name}`, g])), env));
      await concurrently(guests.map((g) => cmd(['detach', g])), env);
    }
  }
  return out;
}

function gcTimes(sb: Sandbox, firewall: string, runs: number): Record<string, unknown> {
  const host = sb.netns(`g${firewall.slice(0, 3)}`);
  const guests = Array.from({ length: 100 }, (_, i) => sb.netns(`${firewall.slice(0, 3)}${i}`));
  const root = sb.tmpdir(`gc-${firewall}`);
  const setup = JSON.parse(run(['ip', 'netns', 'exec', host, process.execPath, DRIVER, '--root', root, '--firewall', firewall, '--per-guest', '10', ...guests], { timeoutMs: 900_000 })) as Record<string, number>;
  const tsnet = join(REPO, 'bin', 'tsnet');
  const gc = (env: NodeJS.ProcessEnv): number => {
    const r = timedRun(['ip', 'netns', 'exec', host, tsnet, 'gc', '--root', root, '--json'], { timeoutMs: 120_000, env });
    const report = JSON.parse(r.stdout) as { errors: string[] };
    if (report.errors.length > 0) throw new Error(`gc reported errors: ${report.errors.join('; ')}`);
    return r.ms;
  };
  const flush = firewall === 'iptables'
    ? (): void => {
      const chains = run(['ip', 'netns', 'exec', host, 'iptables-save', '-t', 'nat']).split('\n').filter((l) => l.startsWith(':TSNET-D-')).map((l) => l.slice(1).split(' ')[0]!);
      run(['ip', 'netns', 'exec', host, 'iptables-restore', '--noflush'], { input: `*nat\n${chains.map((c) => `-F ${c}`).join('\n')}\nCOMMIT\n` });
    }
    : (): void => { for (const m of ['ports-any', 'ports-ip']) run(['ip', 'netns', 'exec', host, 'nft', 'flush', 'map', 'inet', 'tsnet', m]); };
  const ca = process.env['NODE_EXTRA_CA_CERTS'];
  const clean = { caSet: [] as number[], caUnset: [] as number[] };
  for (let r = 0; r < runs; r++) {
    clean.caSet.push(gc(envWith(ca)));
    clean.caUnset.push(gc(envWith(undefined)));
  }
  const flushed: number[] = [];
  for (let r = 0; r < Math.min(runs, 3); r++) {
    flush();
    flushed.push(gc(envWith(ca)));
  }
  const mappings = firewall === 'iptables'
    ? run(['ip', 'netns', 'exec', host, 'iptables-save', '-t', 'nat']).split('\n').filter((l) => l.includes(' -j DNAT ')).length
    : (/elements = \{([^}]*)\}/.exec(run(['ip', 'netns', 'exec', host, 'nft', 'list', 'map', 'inet', 'tsnet', 'ports-any']))?.[1] ?? '').split(',').filter((e) => e.includes(' : ')).length;
  return { setup, medianMs: { clean: round(summarize(clean.caSet).median), cleanCaUnset: round(summarize(clean.caUnset).median), afterFlush: round(summarize(flushed).median) }, samples: { clean, flushed }, mappingsAfter: mappings };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { before: { type: 'string' }, runs: { type: 'string', default: '5' }, 'skip-gc': { type: 'boolean', default: false }, 'skip-attach': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  const report: Record<string, unknown> = { uptimeBefore: uptime(), node: process.version, nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] ?? null };
  const sb = new Sandbox();
  try {
    const builds: Record<string, string> = { now: REPO, ...(values.before ? { before: values.before } : {}) };
    for (const [label, ca] of values['skip-attach'] ? [] : [['caSet', process.env['NODE_EXTRA_CA_CERTS']], ['caUnset', undefined]] as const) {
      const times = await concurrentAttaches(sb, builds, runs, envWith(ca), label === 'caSet' ? 's' : 'u');
      const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(summarize(v).median)]));
      report[`attach30_${label}`] = { medianMs: medians, ...(medians['before'] ? { ratio: round(medians['now']! / medians['before']) } : {}), samples: times };
    }
    if (!values['skip-gc']) for (const fw of ['iptables', 'nftables']) report[`gc1000_${fw}`] = gcTimes(sb, fw, runs);
  } finally {
    sb.dispose();
  }
  report['uptimeAfter'] = uptime();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/safety: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
