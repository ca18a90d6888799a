/**
 * daemon-driver — the timing half of bench/daemon, run INSIDE the benchmark's host netns
 * (`ip netns exec HOST node dist/bench/daemon-driver.js PLAN.json`), so that every timed
 * process is spawned there directly: neither the client nor the CNI plugin pays `ip netns
 * exec`. The parent made the namespaces, the network, the daemon and the plan; this runs
 * the loops (interleaved, rotating which contender goes first) and prints one JSON object
 * of samples in ms. Every timed command must succeed, or the whole run fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cniInvocation, newContainerId, CNI_BRIDGE, type CniNetwork } from './lib/cni.js';
import { timedRun } from './lib/stats.js';

export interface DriverPlan {
  tsnet: string;
  root: string;
  network: string;
  cni: CniNetwork;
  /** Environments: the Node start with and without NODE_EXTRA_CA_CERTS. */
  envCa: NodeJS.ProcessEnv;
  envNoCa: NodeJS.ProcessEnv;
  iterations: number;
  /** Fresh guests per contender for attach/detach: client, cni, directCa, directNoCa. */
  guests: Record<'client' | 'cni' | 'directCa' | 'directNoCa', string[]>;
  /** A guest attached to the network, for the publish runs. */
  publishGuest: string;
  mappings: number;
  publishReps: number;
  /** Guests for the concurrent attaches: reps x concurrency names per contender. */
  concurrent: Record<'client' | 'directCa' | 'directNoCa', string[][]>;
  /** Guests attached one by one through the client for the memory figure. */
  memoryGuests: string[];
  cycles: number;
}

export type Samples = Record<string, number[]>;

function main(): void {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DriverPlan;
  const s: Samples = {};
  const push = (k: string, ms: number): void => { (s[k] ??= []).push(ms); };
  const t = (argv: string[], env: NodeJS.ProcessEnv, input?: string): number => timedRun(argv, { env, input, timeoutMs: 120_000 }).ms;
  const ts = (args: string[]): string[] => [plan.tsnet, ...args, '--root', plan.root];
  const direct = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...env, TSNET_NO_DAEMON: '1' });

  // 1. --version, node -e 0, and the spawn floor.
  const versionBlocks: Array<() => void> = [
    () => push('floor', t(['/bin/true'], plan.envCa)),
    () => push('versionClient', t(ts(['--version']), plan.envCa)),
    () => push('versionDirectCa', t(ts(['--version']), direct(plan.envCa))),
    () => push('versionDirectNoCa', t(ts(['--version']), direct(plan.envNoCa))),
    () => push('nodeCa', t([process.execPath, '-e', '0'], plan.envCa)),
    () => push('nodeNoCa', t([process.execPath, '-e', '0'], plan.envNoCa)),
  ];
  for (let i = 0; i < plan.iterations * 2; i++) for (let b = 0; b < versionBlocks.length; b++) versionBlocks[(i + b) % versionBlocks.length]!();

  // 2. attach/detach, each on a fresh guest: client, CNI ADD/DEL, direct CLI (CA set, unset).
  const attachBlocks: Array<(i: number) => void> = [
    (i) => {
      const g = plan.guests.client[i]!;
      push('attachClient', t(ts(['attach', plan.network, g]), plan.envCa));
      push('detachClient', t(ts(['detach', g]), plan.envCa));
    },
    (i) => {
      const g = plan.guests.cni[i]!;
      const id = newContainerId();
      const add = cniInvocation('ADD', g, id, plan.cni);
      push('cniAdd', t([CNI_BRIDGE], add.env, add.input));
      const del = cniInvocation('DEL', g, id, plan.cni);
      push('cniDel', t([CNI_BRIDGE], del.env, del.input));
    },
    (i) => {
      const g = plan.guests.directCa[i]!;
      push('attachDirectCa', t(ts(['attach', plan.network, g]), direct(plan.envCa)));
      push('detachDirectCa', t(ts(['detach', g]), direct(plan.envCa)));
    },
    (i) => {
      const g = plan.guests.directNoCa[i]!;
      push('attachDirectNoCa', t(ts(['attach', plan.network, g]), direct(plan.envNoCa)));
      push('detachDirectNoCa', t(ts(['detach', g]), direct(plan.envNoCa)));
    },
  ];
  // The first round is a warm-up for every contender (page cache, daemon code paths).
  for (let i = 0; i < plan.guests.client.length; i++) {
    for (let b = 0; b < attachBlocks.length; b++) attachBlocks[(i + b) % attachBlocks.length]!(i);
  }
  for (const k of ['attachClient', 'detachClient', 'cniAdd', 'cniDel', 'attachDirectCa', 'detachDirectCa', 'attachDirectNoCa', 'detachDirectNoCa']) s[k]!.shift();

  // 3. One publish of N mappings: through the client, and direct (CA set, unset).
  const specs = Array.from({ length: plan.mappings }, (_, i) => ['-p', `${20000 + i}:${1000 + i}`]).flat();
  const publishOnce = (key: string, own: NodeJS.ProcessEnv): void => {
    push(key, t(ts(['port', 'publish', plan.publishGuest, ...specs]), own));
    timedRun(ts(['port', 'unpublish', plan.publishGuest]), { env: own, timeoutMs: 120_000 });
  };
  for (let r = 0; r < plan.publishReps; r++) {
    publishOnce('publishClient', plan.envCa);
    publishOnce('publishDirectCa', direct(plan.envCa));
    publishOnce('publishDirectNoCa', direct(plan.envNoCa));
  }

  // 4. Concurrent attaches: all started at once, wall time until the last is done.
  const together = (names: string[], env: NodeJS.ProcessEnv): Promise<number> => {
    const t0 = process.hrtime.bigint();
    return Promise.all(names.map((g) => new Promise<void>((resolve, reject) => {
      const c = spawn(plan.tsnet, ['attach', plan.network, g, '--root', plan.root], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`attach ${g} failed (${code}): ${err}`))));
    }))).then(() => Number(process.hrtime.bigint() - t0) / 1e6);
  };
  const detachAll = (names: string[]): void => { for (const g of names) timedRun(ts(['detach', g]), { env: plan.envCa, timeoutMs: 60_000 }); };

  void (async () => {
    for (let r = 0; r < plan.concurrent.client.length; r++) {
      for (const [key, names, env] of [
        ['concurrentClient', plan.concurrent.client[r]!, plan.envCa],
        ['concurrentDirectCa', plan.concurrent.directCa[r]!, direct(plan.envCa)],
        ['concurrentDirectNoCa', plan.concurrent.directNoCa[r]!, direct(plan.envNoCa)],
      ] as const) {
        push(key, await together(names, env));
        detachAll(names);
      }
    }

    // 5. Memory: N attachments held, then attach/detach cycles on one guest.
    const status = (): { rssBytes: number; heapUsedBytes: number; openFds: number; activeResources: number } =>
      JSON.parse(timedRun(ts(['daemon', 'status', '--json']), { env: plan.envCa }).stdout) as never;
    const before = status();
    for (let i = 0; i < plan.memoryGuests.length; i += 10) {
      await Promise.all(plan.memoryGuests.slice(i, i + 10).map((g) => new Promise<void>((resolve, reject) => {
        const c = spawn(plan.tsnet, ['attach', plan.network, g, '--root', plan.root], { env: plan.envCa, stdio: 'ignore' });
        c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`attach ${g} failed (${code})`))));
      })));
    }
    const loaded = status();
    for (const g of plan.memoryGuests) timedRun(ts(['detach', g]), { env: plan.envCa, timeoutMs: 60_000 });
    const cycleGuest = plan.memoryGuests[0]!;
    const samples: Array<{ cycle: number } & ReturnType<typeof status>> = [];
    for (let c = 1; c <= plan.cycles; c++) {
      timedRun(ts(['attach', plan.network, cycleGuest]), { env: plan.envCa });
      timedRun(ts(['detach', cycleGuest]), { env: plan.envCa });
      if (c === Math.ceil(plan.cycles / 10) || c === plan.cycles) samples.push({ cycle: c, ...status() });
    }
    process.stdout.write(`${JSON.stringify({ samples: s, memory: { before, loaded, attachments: plan.memoryGuests.length, cycles: samples } })}\n`);
  })().catch((e: Error) => { process.stderr.write(`daemon-driver: ${e.message}\n`); process.exitCode = 1; });
}

main();
