/**
 * The crash matrix of issue 9: every operation that changes the kernel is SIGKILLed at each
 * of its steps (TSNET_KILL_AT, learnt from one clean run's TSNET_STEP_TRACE), then either
 * `tsnet gc` runs and the result is all-or-nothing (a creation undone, a removal finished),
 * or the same command simply runs again (it settles what its predecessor left first). Either
 * way the retried command succeeds and leaves exactly what a clean run leaves, kernel and
 * state alike, and its inverse brings the host back to where it started. Firewall operations
 * on both backends.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { giveOldDefaultRoute, rootSkip, TestNetns, wire } from '../helpers/netns';
import { ok, tsnetIn, type CliResult } from '../helpers/tsnet';
import { picture, runKilledAt, stepsOf } from '../helpers/crash';

interface Case {
  name: string;
  firewall?: 'iptables' | 'nftables';
  /** create: a killed run is undone; remove: it is finished. */
  kind: 'create' | 'remove';
  setup?: (cli: Cli, host: string, guests: string[], t: TestNetns) => void;
  op: (g: string[]) => string[];
  inverse: (g: string[]) => string[];
  /** A removal run again after it was finished may say there is nothing to remove. */
  nothingLeft?: RegExp;
}
type Cli = (args: string[], env?: Record<string, string>) => CliResult;

const onNetwork = (cli: Cli, _h: string, g: string[]): void => {
  ok(cli(['network', 'create', 'lab', '--subnet', '10.91.0.0/24']));
  ok(cli(['attach', 'lab', g[0]!]));
};

const CASES: Case[] = [
  ...(['iptables', 'nftables'] as const).flatMap((firewall): Case[] => [
    { name: `network create (${firewall})`, firewall, kind: 'create', op: () => ['network', 'create', 'lab', '--subnet', '10.91.0.0/24'], inverse: () => ['network', 'rm', 'lab'] },
    {
      name: `network rm (${firewall})`, firewall, kind: 'remove', setup: (cli) => ok(cli(['network', 'create', 'lab', '--subnet', '10.91.0.0/24'])),
      op: () => ['network', 'rm', 'lab'], inverse: () => ['network', 'create', 'lab', '--subnet', '10.91.0.0/24'], nothingLeft: /no network named lab/,
    },
    { name: `port publish (${firewall})`, firewall, kind: 'create', setup: onNetwork, op: (g) => ['port', 'publish', g[0]!, '-p', '8080:80', '-p', '8053:53/udp'], inverse: (g) => ['port', 'unpublish', g[0]!] },
    { name: `port unpublish (${firewall})`, firewall, kind: 'remove', setup: (cli, h, g) => { onNetwork(cli, h, g); ok(cli(['port', 'publish', g[0]!, '-p', '8080:80', '-p', '8053:53/udp'])); }, op: (g) => ['port', 'unpublish', g[0]!], inverse: (g) => ['port', 'publish', g[0]!, '-p', '8080:80', '-p', '8053:53/udp'] },
  ]),
  { name: 'init (the default network)', kind: 'create', op: () => ['init'], inverse: () => ['network', 'rm', 'tsnet0'] },
  { name: 'attach to a network', kind: 'create', setup: (cli) => ok(cli(['network', 'create', 'lab', '--subnet', '10.91.0.0/24'])), op: (g) => ['attach', 'lab', g[0]!], inverse: (g) => ['detach', g[0]!] },
  { name: 'attach veth, new bridge, gateway replacing a default route', kind: 'create', setup: (_c, h, g) => giveOldDefaultRoute(g[0]!, h), op: (g) => ['attach', 'br0', g[0]!, '10.92.0.2/24,10.92.0.3/24@10.92.9.1'], inverse: (g) => ['detach', g[0]!] },
  {
    name: 'attach macvlan', kind: 'create', setup: (_c, h, _g, t) => wire({ ns: h, ifname: 'phys0' }, { ns: t.make('wire'), ifname: 'up0' }),
    op: (g) => ['attach', 'phys0', g[0]!, '10.93.0.2/24'], inverse: (g) => ['detach', g[0]!],
  },
  {
    name: 'attach --direct-phys', kind: 'create', setup: (_c, h, _g, t) => wire({ ns: h, ifname: 'phys1', up: false }, { ns: t.make('wire'), ifname: 'up1', up: false }),
    op: (g) => ['attach', '--direct-phys', 'phys1', g[0]!, '10.94.0.2/24'], inverse: (g) => ['detach', g[0]!],
  },
  { name: 'detach', kind: 'remove', setup: onNetwork, op: (g) => ['detach', g[0]!], inverse: (g) => ['attach', 'lab', g[0]!] },
];

describe('crash matrix: SIGKILL at every step, then gc or the same command', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  for (const c of CASES) {
    test(c.name, () => {
      const host = t.make('host');
      const guests = [t.make('g')];
      const root = t.tmpdir();
      const env: Record<string, string> = c.firewall ? { TSNET_FIREWALL_BACKEND: c.firewall } : {};
      const cli: Cli = (args, more = {}) => tsnetIn(host, root, args, { env: { ...env, ...more } });
      const look = (): string => picture(host, guests, root);
      c.setup?.(cli, host, guests, t);
      // One cycle first: what stays after it (ip_forward, the backend's choice) is the baseline.
      ok(cli(c.op(guests)));
      ok(cli(c.inverse(guests)));
      const baseline = look();
      const trace = `${t.tmpdir()}/trace`;
      ok(cli(c.op(guests), { TSNET_STEP_TRACE: trace }));
      const done = look();
      const steps = stepsOf(trace);
      assert.ok(steps.length >= 2, `the operation records its steps: ${steps.join(', ')}`);
      ok(cli(c.inverse(guests)));
      assert.equal(look(), baseline, 'the inverse goes back to the baseline');

      steps.forEach((step, i) => {
        const killed = runKilledAt(host, root, c.op(guests), step, env);
        assert.equal(killed.signal, 'SIGKILL', `killed at ${step}: ${killed.stderr}`);
        if (i % 2 === 0) {
          const gc = ok(cli(['gc', '--json']));
          assert.match(gc.stdout, new RegExp(`${c.kind === 'create' ? 'undid' : 'finished'} the interrupted`), `gc settles the record left at ${step}`);
          assert.equal(look(), c.kind === 'create' ? baseline : done, `all or nothing after a kill at ${step} and gc`);
        }
        const again = cli(c.op(guests));
        if (!(c.nothingLeft && again.status !== 0 && c.nothingLeft.test(again.stderr))) ok(again);
        assert.equal(look(), done, `the command run again after a kill at ${step} leaves what a clean run does`);
        ok(cli(c.inverse(guests)));
        assert.equal(look(), baseline, `and its inverse goes back to the baseline (kill at ${step})`);
      });
    });
  }
});
