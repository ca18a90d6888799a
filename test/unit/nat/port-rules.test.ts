/** Pins the published-port rules: one DNAT rule per mapping in a chain per attachment, no filter rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portChain, portRules, portTeardown } from '../../../src/nat/port-rules.js';
import type { PortRecord } from '../../../src/state/ports.js';

const bridge = 'br-0123456789ab';
const ports: PortRecord[] = [
  { id: 1, attachmentId: 7, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.71.0.2', containerPort: 80 },
  { id: 2, attachmentId: 7, protocol: 'udp', hostIp: '10.250.0.1', hostPort: 5353, containerIp: '10.71.0.2', containerPort: 53 },
];

test('published ports: one DNAT rule each (hairpin too: no ! -i), the chain and jump only on the first publish', () => {
  const c = portChain(bridge, '10.71.0.2');
  assert.match(c, /^TSNET-D-[0-9a-f]{10}$/);
  assert.notEqual(portChain(bridge, '10.71.0.3'), c);
  assert.deepEqual(portRules(bridge, ports, 'new'), [
    `:${c} - [0:0]`,
    `-A TSNET -j ${c}`,
    `-A ${c} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.71.0.2:80`,
    `-A ${c} -d 10.250.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.71.0.2:53`,
  ]);
  assert.deepEqual(portRules(bridge, ports.slice(1), 'append'), [
    `-A ${c} -d 10.250.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.71.0.2:53`,
  ], 'more mappings: their rules alone, whatever the chain holds');
  assert.deepEqual(portRules(bridge, ports.slice(0, 1), 'rebuild'), [
    `:${c} - [0:0]`,
    `-A ${c} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.71.0.2:80`,
  ], 'after an unpublish: emptied and refilled, the jump kept');
});

test('port teardown removes the jump and the chain', () => {
  const c = portChain(bridge, '10.71.0.2');
  const saved = `:${c} - [0:0]\n-A TSNET -j ${c}\n-A ${c} -p tcp -j DNAT --to-destination 10.71.0.2:80\n`;
  assert.deepEqual(portTeardown(bridge, '10.71.0.2', saved), [`-D TSNET -j ${c}`, `-F ${c}`, `-X ${c}`]);
  assert.deepEqual(portTeardown(bridge, '10.71.0.2', ''), []);
});
