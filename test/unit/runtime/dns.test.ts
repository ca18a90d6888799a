/**
 * dns.test — the embedded resolver's wire format and its visibility rules: a query parsed
 * and answered, hostile messages refused, names answered only on shared networks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsFormatError, RCODE, TYPE, buildAnswer, encodeName, errorAnswer, parseQuery, type Answer } from '../../../src/dns/message.js';
import { lookup, type Member } from '../../../src/dns/names.js';

function query(name: string, type: number = TYPE.A, id = 0x1234): Buffer {
  const h = Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const t = Buffer.alloc(4);
  t.writeUInt16BE(type, 0);
  t.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), t]);
}

const members: Member[] = [
  { containerId: 'a', network: 'lab', names: ['web', 'aaaaaaaaaaaa', 'www'], ip: '10.0.0.2' },
  { containerId: 'b', network: 'lab', names: ['client'], ip: '10.0.0.3' },
  { containerId: 'c', network: 'other', names: ['db'], ip: '10.1.0.2' },
  { containerId: 'b', network: 'other', names: ['client'], ip: '10.1.0.3' },
];

test('a query parsed, answered with the question echoed and RD copied', () => {
  const q = parseQuery(query('Web'));
  assert.deepEqual(q.questions, [{ name: 'Web', type: TYPE.A, cls: 1 }]);
  const r = lookup(members, 'b', q);
  assert.notEqual(r, 'forward');
  const msg = buildAnswer(q, RCODE.NOERROR, (r as { answers: Answer[] }).answers);
  assert.equal(msg.readUInt16BE(0), 0x1234);
  assert.equal(msg.readUInt16BE(2) & 0x8000, 0x8000, 'QR');
  assert.equal(msg.readUInt16BE(2) & 0x0100, 0x0100, 'RD copied');
  assert.equal(msg.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...msg.subarray(msg.length - 4)], [10, 0, 0, 2]);
});

test('visibility: shared networks only, each with its own address; the rest is forwarded', () => {
  const ans = (asker: string, name: string, type: number = TYPE.A) => lookup(members, asker, parseQuery(query(name, type)));
  assert.equal(ans('a', 'db'), 'forward', 'a does not share a network with db');
  assert.deepEqual([...(ans('b', 'db') as { answers: Array<{ data: Buffer }> }).answers[0]!.data], [10, 1, 0, 2]);
  assert.equal(ans('a', 'example.com'), 'forward');
  assert.deepEqual(ans('b', 'www', TYPE.AAAA), { rcode: RCODE.NOERROR, answers: [] }, 'a name we own with no AAAA: no data');
  const ptr = ans('b', '2.0.0.10.in-addr.arpa', TYPE.PTR) as { answers: Array<{ data: Buffer }> };
  assert.deepEqual(ptr.answers[0]!.data, encodeName('web'));
  assert.equal(ans('c', '2.0.0.10.in-addr.arpa', TYPE.PTR), 'forward');
});

test('hostile messages: short, answers, pointer loops, too many questions', () => {
  assert.throws(() => parseQuery(Buffer.alloc(5)), DnsFormatError);
  const answer = query('x');
  answer[2] = 0x81;
  assert.throws(() => parseQuery(answer), DnsFormatError);
  const loop = Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  assert.throws(() => parseQuery(loop), DnsFormatError);
  const many = query('x');
  many.writeUInt16BE(200, 4);
  assert.throws(() => parseQuery(many), DnsFormatError);
  assert.equal(errorAnswer(Buffer.alloc(3), RCODE.FORMERR), undefined);
  assert.equal(errorAnswer(query('x'), RCODE.FORMERR)!.readUInt16BE(2) & 0xf, RCODE.FORMERR);
  const big = buildAnswer(parseQuery(query('web')), RCODE.NOERROR, Array.from({ length: 60 }, () => ({ name: 'web', type: TYPE.A, ttl: 1, data: Buffer.from([1, 2, 3, 4]) })), 512);
  assert.equal(big.readUInt16BE(2) & 0x0200, 0x0200, 'TC set when over 512 bytes');
});
