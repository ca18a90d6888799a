/**
 * SIGKILL at random moments under CPU load (issue 9): two busy loops take the CPUs while
 * attach, port publish/unpublish, detach and network create/rm run against one root and
 * are SIGKILLed after a random delay, 50 times or more. After every gc, state equals the
 * kernel (every recorded attachment present, up and plugged in, no host end without a
 * record, one DNAT mapping per recorded port, a bridge per network, no pending record); at
 * the end attach and publish run again and give a clean result, and undoing everything
 * brings the host back to lo. A smoke test under load: random kills seldom land in the few
 * milliseconds of kernel work, so the crash matrix (every step, deterministically) is the proof.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { addrsJson, firewallSnapshot, linksJson, rootSkip, TestNetns } from '../helpers/netns';
import { ok, tsnetIn, TSNET_BIN } from '../helpers/tsnet';
import { stateRows } from '../helpers/crash';

const KILLS = 50;

/** runMaybeKilled — tsnet ARGS in ns, SIGKILLed after delayMs unless it finished first; whether killed, and how long it ran. */
function runMaybeKilled(ns: string, root: string, args: string[], delayMs: number): Promise<{ killed: boolean; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, TSNET_BIN, args[0]!, '--root', root, ...args.slice(1)], {
      stdio: 'ignore', env: { ...process.env, TSNET_LINKOPS: 'netlink', TSNET_TEST_HOOKS: '1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('close', (_code, signal) => { clearTimeout(timer); resolve({ killed: signal === 'SIGKILL', ms: performance.now() - t0 }); });
  });
}

describe('SIGKILL at random moments under CPU load', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const busy: ChildProcess[] = [];
  after(() => {
    for (const b of busy) b.kill('SIGKILL');
    t.cleanup();
  });

  test(`${KILLS}+ kills of attach, publish, unpublish, detach, network create/rm; then state equals the kernel`, async () => {
    const host = t.make('host');
    const guests = [t.make('g0'), t.make('g1'), t.make('g2')];
    const root = t.tmpdir();
    const cli = (args: string[]) => tsnetIn(host, root, args);
    /** consistent — after a gc, state equals the kernel: no pending record, every row's interface as attach makes it. */
    const consistent = (when: string): ReturnType<typeof stateRows> => {
      const rows = stateRows(root);
      assert.deepEqual(rows['intents'], [], `no pending record ${when}`);
      const links = linksJson(host);
      const atts = rows['attachments'] as Array<{ guest: string; ctr_if: string; host_if: string; host_target: string }>;
      for (const a of atts) {
        assert.equal(links.find((l) => l.ifname === a.host_if)?.master, a.host_target, `${a.host_if} plugged into ${a.host_target} ${when}`);
        const ns = a.guest.slice('netns:'.length);
        assert.equal(linksJson(ns).find((l) => l.ifname === a.ctr_if)?.operstate, 'UP', `${a.guest} ${a.ctr_if} up ${when}`);
        assert.equal(addrsJson(ns, a.ctr_if)[0]!.addr_info.filter((x) => x.family === 'inet').length, 1, `${a.guest} has its address ${when}`);
      }
      assert.deepEqual(links.filter((l) => l.ifname.startsWith('tsn')).map((l) => l.ifname).sort(), atts.map((a) => a.host_if).sort(), `no host end without a record ${when}`);
      const networks = rows['networks'] as Array<{ bridge: string }>;
      assert.ok(networks.every((n) => links.some((l) => l.ifname === n.bridge)), `every network has its bridge ${when}`);
      const mappings = firewallSnapshot(host).split('\n').filter((l) => l.includes(' -j DNAT '));
      assert.equal(mappings.length, rows['ports']!.length, `one DNAT rule per recorded port ${when}:\n${mappings.join('\n')}`);
      return rows;
    };
    ok(cli(['network', 'create', 'lab', '--subnet', '10.66.0.0/24']));
    for (let i = 0; i < 2; i++) busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));

    // Each round ends with the guest attached and publishing, so what a kill leaves is looked at.
    const ops = (g: string, i: number): string[][] => [
      ['network', 'create', `tmp${i}`, '--subnet', 'auto'], ['network', 'rm', `tmp${i}`],
      ['detach', g], ['attach', 'lab', g], ['port', 'unpublish', g], ['port', 'publish', g, '-p', `${8000 + i}:80`],
    ];
    let kills = 0;
    let runs = 0;
    // Most of a command's time is Node starting; its kernel work is the last tenth or so. The
    // kill lands at a random point of the second half of what a whole run of that command
    // took last time, so the steps themselves get hit, not only the start-up.
    const took = new Map<string, number>();
    while (kills < KILLS && runs < 400) {
      const i = Math.floor(runs / 6) % guests.length;
      for (const args of ops(guests[i]!, i)) {
        const kind = args.slice(0, 2).join(' ');
        const full = took.get(kind) ?? 400;
        const r = await runMaybeKilled(host, root, args, full * (0.5 + 0.6 * Math.random()));
        if (r.killed) kills++;
        else took.set(kind, r.ms);
        runs++;
      }
      if (runs % 18 === 0) {
        assert.equal(cli(['gc']).status, 0, 'gc reconciles everything it finds');
        consistent(`after gc at run ${runs}`);
      }
    }
    for (const b of busy.splice(0)) b.kill('SIGKILL');
    assert.ok(kills >= KILLS, `${kills} kills in ${runs} runs`);

    ok(cli(['gc']));
    const rows = consistent('at the end');

    // The next commands find everything as a clean run leaves it: attach (again) gives an up
    // interface with its address, and a new port is published and DNATed.
    guests.forEach((g, i) => {
      ok(cli(['attach', 'lab', g]));
      assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.operstate, 'UP', `${g}: attach after the kills gives eth1 up`);
      assert.equal(addrsJson(g, 'eth1')[0]?.addr_info.filter((x) => x.family === 'inet').length, 1, `${g}: with its address`);
      ok(cli(['port', 'publish', g, '-p', `${9000 + i}:80`]));
    });
    const ported = stateRows(root)['ports']!.length;
    assert.equal(firewallSnapshot(host).split('\n').filter((l) => l.includes(' -j DNAT ')).length, ported, 'one DNAT rule per recorded port after new publishes');
    for (const g of guests) { ok(cli(['port', 'unpublish', g])); ok(cli(['detach', g])); }
    for (const n of rows['networks'] as Array<{ name: string }>) ok(cli(['network', 'rm', n.name]));
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo'], 'undone completely');
    assert.deepEqual(firewallSnapshot(host), '', 'no rule left');
  });
});
