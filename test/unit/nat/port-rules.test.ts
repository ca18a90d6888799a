/** Pins the published-port rules: DNAT per host port, ACCEPT per container port, per attachment chains. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portChains, portRules, portTeardown } from '../../../src/nat/port-rules.js';
import { networkChains } from '../../../src/nat/iptables-rules.js';
import type { PortRecord } from '../../../src/state/ports.js';

const bridge = 'br-0123456789ab';
const ports: PortRecord[] = [
  { id: 1, attachmentId: 7, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.71.0.2', containerPort: 80 },
  { id: 2, attachmentId: 7, protocol: 'udp', hostIp: '10.250.0.1', hostPort: 5353, containerIp: '10.71.0.2', containerPort: 53 },
];

test('published ports: DNAT and ACCEPT rules, jumps added once', () => {
  const c = portChains(bridge, '10.71.0.2');
  const inbound = networkChains(bridge).inbound;
  const fresh = portRules(bridge, ports, { filter: '', nat: '' });
  assert.deepEqual(fresh.nat, [
    `:${c.dnat} - [0:0]`,
    `-A TSNET -j ${c.dnat}`,
    `-A ${c.dnat} ! -i ${bridge} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.71.0.2:80`,
    `-A ${c.dnat} -d 10.250.0.1/32 ! -i ${bridge} -p udp -m udp --dport 5353 -j DNAT --to-destination 10.71.0.2:53`,
  ]);
  assert.deepEqual(fresh.filter, [
    `:${c.accept} - [0:0]`,
    `-I ${inbound} 3 -j ${c.accept}`,
    `-A ${c.accept} -d 10.71.0.2/32 ! -i ${bridge} -o ${bridge} -p tcp -m tcp --dport 80 -j ACCEPT`,
    `-A ${c.accept} -d 10.71.0.2/32 ! -i ${bridge} -o ${bridge} -p udp -m udp --dport 53 -j ACCEPT`,
  ]);
  const again = portRules(bridge, ports, { filter: `-A ${inbound} -j ${c.accept}`, nat: `-A TSNET -j ${c.dnat}` });
  assert.ok(!again.filter.some((l) => l.startsWith('-I ')), 'the jump is not added twice');
  assert.ok(!again.nat.includes(`-A TSNET -j ${c.dnat}`));
});

test('port teardown removes the jumps and both chains', () => {
  const c = portChains(bridge, '10.71.0.2');
  const saved = `:${c.dnat} - [0:0]\n-A TSNET -j ${c.dnat}\n-A ${c.dnat} -p tcp -j DNAT --to-destination 10.71.0.2:80\n`;
  assert.deepEqual(portTeardown(bridge, '10.71.0.2', saved), [`-D TSNET -j ${c.dnat}`, `-F ${c.dnat}`, `-X ${c.dnat}`]);
  assert.deepEqual(portTeardown(bridge, '10.71.0.2', ''), []);
});
