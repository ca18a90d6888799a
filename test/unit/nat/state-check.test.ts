/**
 * Values read back from state are checked again before they become rule text (issue 9
 * point 7): a hand-edited or damaged row is refused with a one-line error naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkedNetwork, checkedPorts } from '../../../src/nat/state-check.js';
import type { PortRecord } from '../../../src/state/ports.js';

const net = { bridge: 'br-0123456789ab', subnet: '10.1.0.0/24', internal: false, ipMasq: true };
const port: PortRecord = { id: 7, attachmentId: 1, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.1.0.2', containerPort: 80 };

test('good rows pass through unchanged', () => {
  assert.equal(checkedNetwork(net), net);
  assert.deepEqual(checkedPorts([port]), [port]);
});

test('a bridge that would change a rule\'s meaning, or a bad subnet, is refused', () => {
  for (const bad of [{ ...net, bridge: 'x -j ACCEPT' }, { ...net, bridge: 'eth+' }, { ...net, bridge: '-o' }, { ...net, subnet: '10.1.0.0/24 -j DROP' }, { ...net, subnet6: 'fd00::/64; drop' }]) {
    assert.throws(() => checkedNetwork(bad), (e: Error & { code?: string }) => e.code === 'ESTATE' && /state holds a bad network/.test(e.message) && !e.message.includes('\n'));
  }
});

test('a port row with a bad protocol, address or port is refused, naming the row', () => {
  for (const bad of [{ protocol: 'icmp' }, { hostIp: '0.0.0.0 -j ACCEPT' }, { containerIp: '10.1.0.2:99' }, { hostPort: 0 }, { containerPort: 70000 }, { hostPort: 1.5 }]) {
    assert.throws(() => checkedPorts([{ ...port, ...bad } as PortRecord]), /published port \(row 7\)/);
  }
});
