/**
 * Kernel test of netns/icmp-echo (the prober behind `tsnet lab status --ping`): replies that
 * wait on the socket when the deadline passes still count. On a loaded machine the event
 * loop can get no CPU for longer than the timeout; libuv then runs the overdue timer before
 * it reads the socket, and a prober that stopped there reported FAIL for pairs that answered.
 * The starvation is made here by blocking the loop for 300 ms as the first echo leaves
 * (a real socket in a real netns; only the CPU stall is staged).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { rootSkip, sh, TestNetns } from '../helpers/netns';
import { pingAll } from '../../src/netns/icmp-echo';
import { openNamedNetns } from '../../src/netns/named';

describe('icmp-echo', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('replies already on the socket when the loop wakes up late are counted, not timed out', async () => {
    const ns = t.make('echo');
    sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ping_group_range=0 2147483647']);
    const send = dgram.Socket.prototype.send;
    let stalled = false;
    (dgram.Socket.prototype as unknown as { send: (...args: unknown[]) => void }).send = function (this: dgram.Socket, ...args: unknown[]) {
      const cb = args.pop() as (...x: unknown[]) => void;
      return (send as (...a: unknown[]) => void).apply(this, [...args, (...x: unknown[]) => {
        if (!stalled) { stalled = true; const t0 = Date.now(); while (Date.now() - t0 < 300); }
        cb(...x);
      }]);
    };
    const ref = openNamedNetns(ns);
    try {
      const r = await pingAll(ref, ['127.0.0.1', '127.0.0.2'], { timeoutMs: 100 });
      assert.ok(stalled, 'the loop was stalled past the deadline');
      assert.deepEqual([...r].map(([ip, rtt]) => [ip, rtt !== undefined]), [['127.0.0.1', true], ['127.0.0.2', true]]);
      const none = await pingAll(ref, ['192.0.2.1'], { timeoutMs: 100 });
      assert.equal(none.get('192.0.2.1'), undefined, 'an address nobody has still times out');
    } finally {
      ref.close();
      dgram.Socket.prototype.send = send;
    }
  });
});
