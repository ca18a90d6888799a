/**
 * SIGKILL at random moments under CPU load (issue 9): two busy loops take the CPUs while
 * attach, port publish/unpublish, detach and network create/rm run against one root and
 * are SIGKILLed after a random delay, 50 times or more. gc runs now and then; at the end,
 * after a last gc, state equals the kernel (every recorded attachment present, up and
 * plugged in, no host end without a record, one DNAT mapping per recorded port, a bridge
 * per network, no pending record), and undoing everything brings the host back to lo.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { addrsJson, firewallSnapshot, linksJson, rootSkip, TestNetns } from '../helpers/netns';
import { ok, tsnetIn, TSNET_BIN } from '../helpers/tsnet';
import { stateRows } from '../helpers/crash';

const KILLS = 50;

/** runMaybeKilled — tsnet ARGS in ns, SIGKILLed after delayMs unless it finished first; true when killed. */
function runMaybeKilled(ns: string, root: string, args: string[], delayMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, TSNET_BIN, args[0]!, '--root', root, ...args.slice(1)], {
      stdio: 'ignore', env: { ...process.env, TSNET_LINKOPS: 'netlink', TSNET_TEST_HOOKS: '1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('close', (_code, signal) => { clearTimeout(timer); resolve(signal === 'SIGKILL'); });
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
    ok(cli(['network', 'create', 'lab', '--subnet', '10.66.0.0/24']));
    for (let i = 0; i < 2; i++) busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));

    const ops = (g: string, i: number): string[][] => [
      ['attach', 'lab', g], ['port', 'publish', g, '-p', `${8000 + i}:80`], ['port', 'unpublish', g], ['detach', g],
      ['network', 'create', `tmp${i}`, '--subnet', 'auto'], ['network', 'rm', `tmp${i}`],
    ];
    let kills = 0;
    let runs = 0;
    // Delays from quick (start-up) to late (the last steps): the slowest op takes ~400 ms here under load.
    while (kills < KILLS && runs < 400) {
      const i = runs % guests.length;
      for (const args of ops(guests[i]!, i)) {
        if (await runMaybeKilled(host, root, args, 30 + Math.floor(Math.random() * 500))) kills++;
        runs++;
      }
      if (runs % 18 === 0) assert.equal(cli(['gc']).status, 0, 'gc reconciles everything it finds');
    }
    for (const b of busy.splice(0)) b.kill('SIGKILL');
    assert.ok(kills >= KILLS, `${kills} kills in ${runs} runs`);

    ok(cli(['gc']));
    const rows = stateRows(root);
    assert.deepEqual(rows['intents'], [], 'no pending record after gc');
    const links = linksJson(host);
    const atts = rows['attachments'] as Array<{ guest: string; ctr_if: string; host_if: string; host_target: string }>;
    for (const a of atts) {
      assert.equal(links.find((l) => l.ifname === a.host_if)?.master, a.host_target, `${a.host_if} plugged into ${a.host_target}`);
      const ns = a.guest.slice('netns:'.length);
      assert.equal(linksJson(ns).find((l) => l.ifname === a.ctr_if)?.operstate, 'UP', `${a.guest} ${a.ctr_if} up`);
      assert.equal(addrsJson(ns, a.ctr_if)[0]!.addr_info.filter((x) => x.family === 'inet').length, 1, `${a.guest} has its address`);
    }
    assert.deepEqual(links.filter((l) => l.ifname.startsWith('tsn')).map((l) => l.ifname).sort(), atts.map((a) => a.host_if).sort(), 'no host end without a record');
    const networks = rows['networks'] as Array<{ bridge: string }>;
    assert.ok(networks.every((n) => links.some((l) => l.ifname === n.bridge)), 'every network has its bridge');
    const mappings = firewallSnapshot(host).split('\n').filter((l) => l.includes(' -j DNAT '));
    assert.equal(mappings.length, rows['ports']!.length, `one DNAT rule per recorded port:\n${mappings.join('\n')}`);

    for (const a of atts) { ok(cli(['port', 'unpublish', a.guest])); ok(cli(['detach', a.guest])); }
    for (const n of rows['networks'] as Array<{ name: string }>) ok(cli(['network', 'rm', n.name]));
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo'], 'undone completely');
    assert.deepEqual(firewallSnapshot(host), '', 'no rule left');
  });
});
