/**
 * gc's port reconciliation, pure (issue 9 point 4): the kernel is made to hold exactly the
 * recorded mappings, once, on both backends; what another root on the host owns is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portChain, portChainsLayout, portRule } from '../../../src/nat/port-rules.js';
import { parseSaved, reconcileLines } from '../../../src/nat/iptables-reconcile.js';
import { portMapsReconcile } from '../../../src/nat/nft-rules.js';
import type { PortRecord } from '../../../src/state/ports.js';

const p = (id: number, hostPort: number, containerIp = '10.1.0.2'): PortRecord => ({ id, attachmentId: 1, protocol: 'tcp', hostIp: '0.0.0.0', hostPort, containerIp, containerPort: 80 });
const mine = (ip: string): boolean => ip.startsWith('10.1.');
const chain = portChain('br-a', '10.1.0.2');
const groups = [{ bridge: 'br-a', ports: [p(1, 8081), p(2, 8082)] }];

function saved(lines: string[]): ReturnType<typeof parseSaved> {
  return parseSaved(['*nat', ':TSNET - [0:0]', ...lines, 'COMMIT'].join('\n'));
}

test('iptables: matching chains in any order change nothing', () => {
  const s = saved([`:${chain} - [0:0]`, `-A TSNET -j ${chain}`, portRule(chain, p(2, 8082)), portRule(chain, p(1, 8081))]);
  assert.deepEqual(reconcileLines(s, portChainsLayout(groups, s, mine)), []);
});

test('iptables: a missing rule, a doubled one, a lost jump and an orphan chain are put right', () => {
  const orphan = portChain('br-a', '10.1.0.9');
  const foreign = portChain('br-x', '10.2.0.9');
  const s = saved([`:${chain} - [0:0]`, `:${orphan} - [0:0]`, `:${foreign} - [0:0]`, `-A TSNET -j ${orphan}`, `-A TSNET -j ${foreign}`,
    portRule(chain, p(1, 8081)), portRule(chain, p(1, 8081)), portRule(orphan, p(9, 8089, '10.1.0.9')), portRule(foreign, p(9, 8089, '10.2.0.9'))]);
  const lines = reconcileLines(s, portChainsLayout(groups, s, mine));
  assert.ok(lines.includes(`-F ${chain}`) && lines.includes(portRule(chain, p(2, 8082))), lines.join('\n'));
  assert.ok(lines.includes(`-A TSNET -j ${chain}`));
  assert.ok(lines.includes(`-X ${orphan}`) && lines.includes(`-D TSNET -j ${orphan}`));
  assert.ok(!lines.some((l) => l.includes(foreign)), 'another root\'s chain is left alone');
});

test('nftables: elements no record explains go, missing ones come, foreign ones stay', () => {
  const listing = (els: string[]): string => `table inet tsnet {\n\tmap ports-any {\n\t\ttype x\n\t\telements = { ${els.join(',\n\t\t\t     ')} }\n\t}\n}\n`;
  const lines = portMapsReconcile({ 'ports-any': listing(['tcp . 8081 : 10.1.0.2 . 80', 'tcp . 8089 : 10.1.0.9 . 80', 'tcp . 8090 : 10.2.0.9 . 80']) }, [p(1, 8081), p(2, 8082)], mine);
  assert.deepEqual(lines, ['delete element inet tsnet ports-any { tcp . 8089 }', 'add element inet tsnet ports-any { tcp . 8082 : 10.1.0.2 . 80 }']);
  assert.deepEqual(portMapsReconcile({ 'ports-any': listing(['tcp . 8081 : 10.1.0.2 . 80', 'tcp . 8082 : 10.1.0.2 . 80']) }, [p(1, 8081), p(2, 8082)], mine), []);
});
