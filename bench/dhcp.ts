/**
 * bench/dhcp — what getting an address by DHCP costs, against busybox udhcpc, in ONE run
 * against the same dnsmasq on the same bridge (--no-ping: dnsmasq otherwise delays every
 * OFFER by a 3 s ICMP probe, for both contenders alike):
 *   1. `tsnet attach br0 G dhcp`: from the command to the address, default route and MTU
 *      configured (interface created, DORA from inside G, lease handed to the keeper);
 *   2. `busybox udhcpc -q -n -i eth1` in a netns whose eth1 exists already (made untimed
 *      by `tsnet attach br0 G 0/0`), with a script that adds the address and default
 *      route as tsnet does — the DHCP part alone;
 *   3. pipework's way: `tsnet attach br0 G 0/0` then udhcpc (2), timed together;
 *   4. the keeper's renewal latency (REQUEST sent at T1 → ACK applied), from its log,
 *      with T1 = 4 s.
 * Rounds are interleaved with the order rotated; every round uses fresh namespaces.
 *
 *   npm run build && node dist/bench/dhcp.js [--iterations N] [--json]
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Sandbox } from './lib/sandbox.js';
import { round, run, summarize, timedRun } from './lib/stats.js';

const TSNET = join(__dirname, '..', '..', 'bin', 'tsnet');
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew) ip addr add "$ip/$mask" dev "$interface"; [ -n "$router" ] && ip route replace default via "$router" dev "$interface" ;;
esac
exit 0
`;

function hasAddress(ns: string): void {
  const out = run(['ip', '-n', ns, '-4', '-br', 'addr', 'show', 'dev', 'eth1']);
  if (!/10\.77\.\d+\.\d+\/16/.test(out)) throw new Error(`${ns} eth1 got no DHCP address: ${out.trim()}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '15' }, json: { type: 'boolean', default: false } } });
  const n = Number(values.iterations);
  const box = new Sandbox();
  const host = box.netns('host');
  const root = box.tmpdir('root');
  const dir = box.tmpdir('dnsmasq');
  const script = join(dir, 'udhcpc.script');
  writeFileSync(script, UDHCPC_SCRIPT);
  chmodSync(script, 0o755);
  run(['ip', '-n', host, 'link', 'add', 'br0', 'type', 'bridge']);
  run(['ip', '-n', host, 'addr', 'add', '10.77.0.1/16', 'dev', 'br0']);
  run(['ip', '-n', host, 'link', 'set', 'br0', 'up']);
  const dnsmasq = spawn('ip', ['netns', 'exec', host, 'dnsmasq', '--no-daemon', '--port=0', '--interface=br0', '--bind-interfaces', '--no-ping',
    '--dhcp-range=10.77.1.0,10.77.250.0,1h', '--dhcp-option=option:T1,4', '--dhcp-option=option:T2,3000', `--dhcp-leasefile=${join(dir, 'leases')}`], { stdio: 'ignore' });
  const tsnet = (...args: string[]): number => timedRun(['ip', 'netns', 'exec', host, TSNET, ...args, '--root', root]).ms;
  const udhcpc = (g: string): number => timedRun(['ip', 'netns', 'exec', g, '/bin/busybox', 'udhcpc', '-q', '-n', '-t', '5', '-i', 'eth1', '-s', script]).ms;
  const samples = { tsnetDhcp: [] as number[], udhcpc: [] as number[], pipework: [] as number[], attachNone: [] as number[] };
  try {
    await new Promise((r) => setTimeout(r, 300));
    // Warm-up, checked: a benchmark of a failing DHCP is worthless.
    const w = box.netns('warm');
    tsnet('attach', 'br0', w, 'dhcp:timeout=10');
    hasAddress(w);
    tsnet('detach', w);
    const blocks: Array<(i: number) => void> = [
      (i) => {
        const g = box.netns(`t${i}`);
        samples.tsnetDhcp.push(tsnet('attach', 'br0', g, 'dhcp:timeout=10'));
        hasAddress(g);
        tsnet('detach', g);
        box.dropNetns(g);
      },
      (i) => {
        const g = box.netns(`u${i}`);
        tsnet('attach', 'br0', g, '0/0');
        samples.udhcpc.push(udhcpc(g));
        hasAddress(g);
        tsnet('detach', g);
        box.dropNetns(g);
      },
      (i) => {
        const g = box.netns(`p${i}`);
        const a = tsnet('attach', 'br0', g, '0/0');
        samples.attachNone.push(a);
        samples.pipework.push(a + udhcpc(g));
        hasAddress(g);
        tsnet('detach', g);
        box.dropNetns(g);
      },
    ];
    for (let i = 0; i < n; i++) for (let k = 0; k < blocks.length; k++) blocks[(i + k) % blocks.length]!(i);
    // Renewal latency: one lease kept through a few T1s.
    const g = box.netns('renew');
    tsnet('attach', 'br0', g, 'dhcp');
    await new Promise((r) => setTimeout(r, 4 * 4000 + 1500));
    tsnet('detach', g);
    const renew = renewLatencies(readFileSync(join(root, 'dhcp-keeper.log'), 'utf8'), g);
    const med = (xs: number[]): number => summarize(xs).median;
    const report = {
      iterations: n,
      tsnetAttachDhcp: summarize(samples.tsnetDhcp), udhcpc: summarize(samples.udhcpc),
      attachNonePlusUdhcpc: summarize(samples.pipework), attachNone: summarize(samples.attachNone),
      renewMs: summarize(renew),
      ratioVsUdhcpc: round(med(samples.tsnetDhcp) / med(samples.udhcpc)),
      ratioVsPipeworkWay: round(med(samples.tsnetDhcp) / med(samples.pipework)),
    };
    if (values.json) { process.stdout.write(`${JSON.stringify(report, null, 1)}\n`); return; }
    const line = (what: string, xs: number[]): string => {
      const s = summarize(xs);
      return `${what.padEnd(44)} median ${s.median.toFixed(1).padStart(7)} ms  p10 ${s.p10.toFixed(1).padStart(7)}  p90 ${s.p90.toFixed(1).padStart(7)}  (n=${s.n})`;
    };
    process.stdout.write([
      `DHCP against dnsmasq (--no-ping), ${n} rounds, interleaved`,
      line('tsnet attach br0 G dhcp (interface + lease)', samples.tsnetDhcp),
      line('udhcpc -q -n on an existing interface', samples.udhcpc),
      line('tsnet attach 0/0 + udhcpc (pipework way)', samples.pipework),
      line('tsnet attach 0/0 alone', samples.attachNone),
      line('keeper renewal (T1 REQUEST -> ACK applied)', renew),
      `ratio tsnet attach dhcp / udhcpc alone:        ${report.ratioVsUdhcpc}x`,
      `ratio tsnet attach dhcp / attach 0/0 + udhcpc: ${report.ratioVsPipeworkWay}x`,
      '',
    ].join('\n'));
  } finally {
    dnsmasq.kill('SIGTERM');
    box.dispose();
  }
}

/** renewLatencies — ms from each "T1: renewing" to the following "renewed" of guest g in the keeper log. */
function renewLatencies(log: string, g: string): number[] {
  const out: number[] = [];
  let sent: number | undefined;
  for (const l of log.split('\n').filter((x) => x.includes(`netns:${g} `))) {
    const t = Date.parse(l.slice(0, 24));
    if (l.includes('T1: renewing')) sent = t;
    else if (l.includes(': renewed ') && sent !== undefined) { out.push(t - sent); sent = undefined; }
  }
  return out;
}

main().catch((e: Error) => { process.stderr.write(`bench/dhcp: ${e.message}\n`); process.exitCode = 1; });
