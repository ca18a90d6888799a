/**
 * The lease keeper lives in its root's host namespace (issue 9 point 6): killed, and then
 * noticed missing by a command run in ANOTHER namespace (`ip netns exec X tsnet network
 * ls`), it is restarted in the host namespace it was recorded for, where it still serves
 * DHCP (a guest gets a lease from the network's server); started by hand in the wrong
 * namespace, it refuses with one line.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { addrsJson, rootSkip, TestNetns } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';

describe('lease keeper namespace', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    t.cleanup();
  });

  test('restarted from another namespace, it runs (and serves DHCP) in its own', async () => {
    const host = t.make('host');
    const elsewhere = t.make('x');
    const g = t.make('g');
    const root = t.tmpdir();
    roots.push(root);
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.87.0.0/24', '--dhcp-server']));
    const first = await waitFor(() => keeperPid(root), 5000, 'the keeper to serve the network');
    const hostIno = statSync(`/run/netns/${host}`).ino;
    assert.equal(statSync(`/proc/${first}/ns/net`).ino, hostIno);

    process.kill(first, 'SIGKILL');
    await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to die');
    ok(tsnetIn(elsewhere, root, ['network', 'ls'])); // notices it missing, from namespace x
    const second = await waitFor(() => keeperPid(root), 5000, 'a new keeper');
    assert.notEqual(second, first);
    assert.equal(statSync(`/proc/${second}/ns/net`).ino, hostIno, 'restarted in the host namespace, not in x');

    ok(tsnetIn(host, root, ['attach', 'lab', g, 'dhcp:timeout=10']));
    const leased = addrsJson(g, 'eth1')[0]!.addr_info.find((a) => a.family === 'inet');
    assert.match(leased?.local ?? '', /^10\.87\.0\./, 'the keeper\'s DHCP server answers on the host\'s bridge');

    const wrong = tsnetIn(elsewhere, root, ['dhcp-keeper']);
    assert.notEqual(wrong.status, 0);
    assert.equal(wrong.stderr.trim().split('\n').length, 1);
    assert.match(wrong.stderr, /runs in network namespace net:\[\d+\], not in this one/);
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'lab']));
  });
});
