/**
 * server-logic.test — the DHCP server's answers: OFFER from the range (lowest free, skipping
 * the gateway, static attachments and other clients' leases), ACK/NAK for selecting,
 * INIT-REBOOT and renewal, reservations by MAC, RELEASE, DECLINE, INFORM, exhaustion;
 * and the --dhcp-server flags.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type DhcpPacket } from '../../../src/dhcp/packet.js';
import { MSG, OPT, clientMessage, leaseOf, messageType } from '../../../src/dhcp/options.js';
import { decide, type Decision, type ServerConfig, type ServerLease } from '../../../src/dhcp/server-logic.js';
import { parseDuration, serverConfig } from '../../../src/dhcp/server-config.js';
import { assertInvalid } from '../../helpers/assert.js';

const cfg: ServerConfig = serverConfig({ range: '10.5.0.10-10.5.0.12', lease: '10m', dns: ['10.5.0.53'], hosts: ['02:00:00:00:00:99=10.5.0.99'] }, '10.5.0.0/24', '10.5.0.1', 1450);
const idOf = (n: number) => ({ mac: `02:00:00:00:00:0${n}`, clientId: Buffer.from([0, n]), hostname: `h${n}`, params: [1, 3] });
const NOW = 1_000_000;

function req(n: number, type: number, f: { ciaddr?: string; requestedIp?: string; serverId?: string } = {}): DhcpPacket {
  return decode(encode(clientMessage(idOf(n), { type: type as 1, xid: 7, broadcast: true, ...f })));
}
function reply(d: Decision): { type: number; yiaddr: string; to: string } {
  assert.ok(d.reply, d.log);
  return { type: messageType(d.reply.packet), yiaddr: d.reply.packet.yiaddr, to: d.reply.to };
}
/** run — applies a decision to an in-memory lease list, like the repository does. */
function run(leases: ServerLease[], d: Decision): ServerLease[] {
  let out = d.drop ? leases.filter((l) => l.clientKey !== d.drop) : leases;
  if (d.put) out = [...out.filter((l) => l.clientKey !== d.put!.clientKey && l.ip !== d.put!.ip), d.put];
  return out;
}

describe('DHCP server logic', () => {
  test('DORA: lowest free address, lease options, then a bound lease', () => {
    const offer = decide(cfg, [], new Set(), req(1, MSG.DISCOVER), NOW);
    assert.deepEqual(reply(offer), { type: MSG.OFFER, yiaddr: '10.5.0.10', to: '255.255.255.255' });
    const l = leaseOf(offer.reply!.packet);
    assert.deepEqual([l.prefix, l.serverId, l.leaseSecs, l.routers, l.dns, l.mtu], [24, '10.5.0.1', 600, ['10.5.0.1'], ['10.5.0.53'], 1450]);
    let leases = run([], offer);
    assert.equal(leases[0]?.state, 'offered');
    const ack = decide(cfg, leases, new Set(), req(1, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.1' }), NOW + 5);
    assert.deepEqual(reply(ack), { type: MSG.ACK, yiaddr: '10.5.0.10', to: '255.255.255.255' });
    leases = run(leases, ack);
    assert.deepEqual(leases.map((x) => [x.ip, x.state, x.hostname, x.expiresAt]), [['10.5.0.10', 'bound', 'h1', NOW + 5 + 600_000]]);
    // A second client skips the held address and a statically attached one.
    assert.equal(reply(decide(cfg, leases, new Set(['10.5.0.11']), req(2, MSG.DISCOVER), NOW)).yiaddr, '10.5.0.12');
  });

  test('renewal (unicast, ciaddr) is ACKed to ciaddr; a request for someone else\'s address is NAKed', () => {
    const leases: ServerLease[] = [{ ip: '10.5.0.10', clientKey: '0001', mac: '02:00:00:00:00:01', hostname: null, state: 'bound', expiresAt: NOW + 1000 }];
    assert.deepEqual(reply(decide(cfg, leases, new Set(), req(1, MSG.REQUEST, { ciaddr: '10.5.0.10' }), NOW)), { type: MSG.ACK, yiaddr: '10.5.0.10', to: '10.5.0.10' });
    assert.equal(reply(decide(cfg, leases, new Set(), req(2, MSG.REQUEST, { ciaddr: '10.5.0.10' }), NOW)).type, MSG.NAK);
    assert.equal(reply(decide(cfg, leases, new Set(), req(2, MSG.REQUEST, { requestedIp: '10.5.0.10' }), NOW)).type, MSG.NAK);
    assert.equal(reply(decide(cfg, leases, new Set(), req(2, MSG.REQUEST, { requestedIp: '192.168.9.9' }), NOW)).type, MSG.NAK);
    // Once expired, the address is free for another client (INIT-REBOOT).
    assert.equal(reply(decide(cfg, leases, new Set(), req(2, MSG.REQUEST, { requestedIp: '10.5.0.10' }), NOW + 2000)).type, MSG.ACK);
  });

  test('a REQUEST choosing another server drops the offer and gets no answer', () => {
    const leases = run([], decide(cfg, [], new Set(), req(1, MSG.DISCOVER), NOW));
    const d = decide(cfg, leases, new Set(), req(1, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.2' }), NOW);
    assert.equal(d.reply, undefined);
    assert.deepEqual(run(leases, d), []);
  });

  test('reservation by MAC, outside the range too', () => {
    const d = decide(cfg, [], new Set(), decode(encode(clientMessage({ ...idOf(1), mac: '02:00:00:00:00:99' }, { type: MSG.DISCOVER, xid: 1, broadcast: true }))), NOW);
    assert.equal(reply(d).yiaddr, '10.5.0.99');
  });

  test('RELEASE frees, DECLINE keeps the address out of use, INFORM gets options without a lease', () => {
    const leases: ServerLease[] = [{ ip: '10.5.0.10', clientKey: '0001', mac: '02:00:00:00:00:01', hostname: null, state: 'bound', expiresAt: NOW + 1000 }];
    assert.deepEqual(run(leases, decide(cfg, leases, new Set(), req(1, MSG.RELEASE, { ciaddr: '10.5.0.10' }), NOW)), []);
    assert.deepEqual(run(leases, decide(cfg, leases, new Set(), req(2, MSG.RELEASE, { ciaddr: '10.5.0.10' }), NOW)), leases);
    const declined = run(leases, decide(cfg, leases, new Set(), req(1, MSG.DECLINE, { requestedIp: '10.5.0.10' }), NOW));
    assert.deepEqual(declined.map((l) => [l.ip, l.state, l.clientKey]), [['10.5.0.10', 'declined', 'declined:10.5.0.10']]);
    assert.equal(reply(decide(cfg, declined, new Set(), req(1, MSG.DISCOVER), NOW)).yiaddr, '10.5.0.11');
    const inform = decide(cfg, [], new Set(), req(3, MSG.INFORM, { ciaddr: '10.5.0.200' }), NOW);
    assert.equal(reply(inform).to, '10.5.0.200');
    assert.equal(inform.reply!.packet.options.has(OPT.leaseTime), false);
    assert.equal(inform.put, undefined);
  });

  test('an exhausted range offers nothing', () => {
    let leases: ServerLease[] = [];
    for (const n of [1, 2, 3]) leases = run(leases, decide(cfg, leases, new Set(), req(n, MSG.DISCOVER), NOW));
    const d = decide(cfg, leases, new Set(), req(4, MSG.DISCOVER), NOW);
    assert.equal(d.reply, undefined);
    assert.match(d.log, /exhausted/);
  });

  test('--dhcp-server flags: default range, durations, bad values', () => {
    const c = serverConfig({ dns: [], hosts: [] }, '10.6.0.0/24', '10.6.0.1', 1500);
    assert.deepEqual([c.rangeStart, c.rangeEnd, c.leaseSecs], ['10.6.0.128', '10.6.0.254', 3600]);
    assert.deepEqual([parseDuration('90s'), parseDuration('30m'), parseDuration('1h'), parseDuration('120')], [90, 1800, 3600, 120]);
    assertInvalid(() => parseDuration('5s'), '"5s"');
    assertInvalid(() => parseDuration('1w'), '"1w"');
    assertInvalid(() => serverConfig({ range: '10.6.0.9', dns: [], hosts: [] }, '10.6.0.0/24', '10.6.0.1', 1500), '"10.6.0.9"');
    assertInvalid(() => serverConfig({ range: '10.6.0.9-10.6.0.2', dns: [], hosts: [] }, '10.6.0.0/24', '10.6.0.1', 1500), 'ends before it starts');
    assertInvalid(() => serverConfig({ range: '10.6.0.9-10.7.0.2', dns: [], hosts: [] }, '10.6.0.0/24', '10.6.0.1', 1500), 'not inside subnet 10.6.0.0/24');
    assertInvalid(() => serverConfig({ dns: ['x'], hosts: [] }, '10.6.0.0/24', '10.6.0.1', 1500), '--dhcp-dns "x"');
    assertInvalid(() => serverConfig({ dns: [], hosts: ['zz=10.6.0.5'] }, '10.6.0.0/24', '10.6.0.1', 1500), '--dhcp-host "zz=10.6.0.5"');
    assertInvalid(() => serverConfig({ dns: [], hosts: ['02:00:00:00:00:01=10.9.0.5'] }, '10.6.0.0/24', '10.6.0.1', 1500), 'not a usable address');
  });
});
