/** Pins the published-port rules: one DNAT rule per mapping in a chain per attachment, no filter rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portChain, publishLines, unpublishLines } from '../../../src/nat/port-rules.js';
import type { PortRecord } from '../../../src/state/ports.js';

const bridge = 'br-0123456789ab';
const ports: PortRecord[] = [
  { id: 1, attachmentId: 7, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.71.0.2', containerPort: 80 },
  { id: 2, attachmentId: 7, protocol: 'udp', hostIp: '10.250.0.1', hostPort: 5353, containerIp: '10.71.0.2', containerPort: 53 },
];

test('published ports: one DNAT rule each (hairpin too: no ! -i); chain and jump only when the kernel lacks them', () => {
  const c = portChain(bridge, '10.71.0.2');
  assert.match(c, /^TSNET-D-[0-9a-f]{10}$/);
  assert.notEqual(portChain(bridge, '10.71.0.3'), c);
  const r1 = `-A ${c} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.71.0.2:80`;
  const r2 = `-A ${c} -d 10.250.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.71.0.2:53`;
  assert.deepEqual(publishLines(bridge, undefined, ports), [`:${c} - [0:0]`, `-A TSNET -j ${c}`, r1, r2]);
  assert.deepEqual(publishLines(bridge, { rules: [r1], jumped: true }, ports), [r2], 'only what the chain lacks; never re-declared');
  assert.deepEqual(publishLines(bridge, { rules: [r1], jumped: false }, ports.slice(1)), [`-A TSNET -j ${c}`, r2], 'a lost jump comes back');
  assert.deepEqual(publishLines(bridge, { rules: [r1, r2], jumped: true }, ports), [], 'a retried publish adds nothing');
  assert.deepEqual(publishLines(bridge, undefined, [ports[0]!, ports[0]!]), [`:${c} - [0:0]`, `-A TSNET -j ${c}`, r1], 'never one rule twice');
});

test('unpublish removes every copy of the removed rules, or the chain and its jump when nothing is kept', () => {
  const c = portChain(bridge, '10.71.0.2');
  const r1 = `-A ${c} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.71.0.2:80`;
  const r2 = `-A ${c} -d 10.250.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.71.0.2:53`;
  assert.deepEqual(unpublishLines(bridge, '10.71.0.2', { rules: [r1, r2, r1], jumped: true }, ports.slice(0, 1), false), [`-D ${r1.slice(3)}`, `-D ${r1.slice(3)}`]);
  assert.deepEqual(unpublishLines(bridge, '10.71.0.2', { rules: [r1], jumped: true }, ports, true), [`-D TSNET -j ${c}`, `-F ${c}`, `-X ${c}`]);
  assert.deepEqual(unpublishLines(bridge, '10.71.0.2', { rules: [], jumped: false }, ports, true), [`-F ${c}`, `-X ${c}`]);
  assert.deepEqual(unpublishLines(bridge, '10.71.0.2', undefined, ports, true), [], 'already gone');
});
