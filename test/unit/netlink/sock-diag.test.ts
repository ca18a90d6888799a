/** sock_diag's request and reply layouts (linux/inet_diag.h), and the host-port check's view of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inetDiagRequest, parseInetDiagMsg } from '../../../src/netlink/sock-diag.js';
import { boundFromDiag } from '../../../src/network/proc-net.js';

/** msg — a struct inet_diag_msg as the kernel sends it. */
function msg(family: number, port: number, src: number[], inode: number): Buffer {
  const b = Buffer.alloc(72);
  b[0] = family;
  b[1] = 10; // TCP_LISTEN
  b.writeUInt16BE(port, 4);
  Buffer.from(src).copy(b, 8);
  b.writeUInt32LE(inode, 68);
  return b;
}

test('the request asks for listening TCP sockets of one family (struct inet_diag_req_v2)', () => {
  const v4 = inetDiagRequest(4);
  assert.equal(v4.length, 56);
  assert.deepEqual([v4[0], v4[1], v4.readUInt32LE(4)], [2, 6, 1 << 10]);
  assert.equal(inetDiagRequest(6)[0], 10);
  assert.ok(v4.subarray(8).every((b) => b === 0), 'any address, any port');
});

test('replies: port in network order, address bytes, inode; a short or foreign reply is dropped', () => {
  assert.deepEqual(parseInetDiagMsg(msg(2, 8080, [127, 0, 0, 1], 4242)), { family: 4, port: 8080, addr: Buffer.from([127, 0, 0, 1]), inode: 4242 });
  assert.equal(parseInetDiagMsg(msg(2, 80, [0, 0, 0, 0], 1).subarray(0, 71)), undefined);
  assert.equal(parseInetDiagMsg(msg(1, 80, [0, 0, 0, 0], 1)), undefined);
});

test('as bound sockets: IPv4, [::] as any, v4-mapped as IPv4, IPv6-only left out', () => {
  const v6 = (bytes: number[]): number[] => [...Array(16 - bytes.length).fill(0), ...bytes];
  const linkLocal = [0xfe, 0x80, ...Array(13).fill(0), 1];
  const sockets = [msg(2, 8080, [10, 0, 0, 1], 1), msg(10, 9090, v6([]), 2), msg(10, 3000, v6([0xff, 0xff, 10, 250, 0, 1]), 3), msg(10, 4000, linkLocal, 4)];
  assert.deepEqual(boundFromDiag(sockets.map((m) => parseInetDiagMsg(m)!)), [
    { ip: '10.0.0.1', port: 8080, inode: 1 }, { ip: '0.0.0.0', port: 9090, inode: 2 }, { ip: '10.250.0.1', port: 3000, inode: 3 },
  ]);
});
