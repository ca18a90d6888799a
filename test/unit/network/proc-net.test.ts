/** The /proc/net parser behind the host-port check: which sockets hold which ports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundSockets, holds } from '../../../src/network/proc-net.js';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const tcp = `${HEAD
}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 00000000:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100FA0A:C350 0200FA0A:0050 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`;
const tcp6 = `${HEAD
}   0: 00000000000000000000000000000000:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000100FA0A:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
   2: 000080FE00000000FF005452120000FE:0FA0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0 100 0 0 10 0
`;

test('listening TCP sockets: IPv4, dual-stack [::] as any, v4-mapped; not connections or IPv6-only', () => {
  assert.deepEqual(boundSockets(tcp, 'tcp'), [{ ip: '127.0.0.1', port: 8080, inode: 1 }, { ip: '0.0.0.0', port: 9090, inode: 2 }]);
  assert.deepEqual(boundSockets(tcp6, 'tcp'), [{ ip: '0.0.0.0', port: 9090, inode: 4 }, { ip: '10.250.0.1', port: 3000, inode: 5 }]);
});

test('UDP: every bound socket holds its port', () => {
  const udp = `${HEAD}  10: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7 2 0\n`;
  assert.deepEqual(boundSockets(udp, 'udp'), [{ ip: '0.0.0.0', port: 5353, inode: 7 }]);
  assert.deepEqual(boundSockets(HEAD, 'udp'), []);
});

test('a port is held when the addresses are equal or either is a wildcard', () => {
  assert.ok(holds({ ip: '127.0.0.1', port: 8080 }, '0.0.0.0', 8080));
  assert.ok(holds({ ip: '0.0.0.0', port: 8080 }, '10.0.0.1', 8080));
  assert.ok(holds({ ip: '10.0.0.1', port: 8080 }, '10.0.0.1', 8080));
  assert.ok(!holds({ ip: '127.0.0.1', port: 8080 }, '10.0.0.1', 8080));
  assert.ok(!holds({ ip: '0.0.0.0', port: 8081 }, '0.0.0.0', 8080));
});
