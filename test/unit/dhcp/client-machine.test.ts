/**
 * client-machine.test — the client's transitions with a fake clock: DORA, replies for
 * another xid or MAC, NAKs, retransmission backoff, T1 unicast renew, T2 broadcast rebind,
 * expiry and re-acquisition, INIT-REBOOT of a remembered address.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type DhcpPacket } from '../../../src/dhcp/packet.js';
import { MSG, OPT, clientMessage, leaseOptions, messageType, serverReply } from '../../../src/dhcp/options.js';
import { onPacket, onTimer, resume, start, type Action, type ClientState, type Env, type Transition } from '../../../src/dhcp/client-machine.js';

const MAC = '02:00:00:aa:bb:cc';
const id = { mac: MAC, clientId: Buffer.from([0xff, 9]), params: [1, 3] };
let xidSeq = 100;
const env = (now: number): Env => ({ id, now, newXid: () => ++xidSeq });

function sent(t: Transition): { packet: DhcpPacket; to: string } {
  const s = t.actions.find((a): a is Extract<Action, { kind: 'send' }> => a.kind === 'send');
  assert.ok(s, 'expected a send');
  return { packet: decode(encode(s.packet)), to: s.to };
}
const kinds = (t: Transition): string[] => t.actions.map((a) => a.kind);

function reply(type: number, to: DhcpPacket, over: Partial<DhcpPacket> = {}, leaseSecs = 100): DhcpPacket {
  const p = serverReply({ type: type as 2, to, yiaddr: '10.9.0.50', serverId: '10.9.0.1',
    extra: type === MSG.NAK ? new Map() : leaseOptions({ prefix: 24, leaseSecs, routers: ['10.9.0.1'], dns: [] }) });
  return decode(encode({ ...p, ...over }));
}

/** dora — a complete exchange at t=0, returns the BOUND state. */
function dora(): ClientState {
  const t0 = start(env(0));
  const t1 = onPacket(t0.state, env(5), reply(MSG.OFFER, sent(t0).packet));
  const t2 = onPacket(t1.state, env(10), reply(MSG.ACK, sent(t1).packet));
  assert.equal(t2.state.phase, 'BOUND');
  return t2.state;
}

describe('DHCP client state machine', () => {
  test('DORA: broadcast DISCOVER, REQUEST with 50/54 and the same xid, ACK binds', () => {
    const t0 = start(env(0));
    const d = sent(t0);
    assert.equal(t0.state.phase, 'SELECTING');
    assert.equal(d.to, '255.255.255.255');
    assert.equal(messageType(d.packet), MSG.DISCOVER);
    assert.equal(d.packet.flags, 0x8000);
    const t1 = onPacket(t0.state, env(5), reply(MSG.OFFER, d.packet));
    const r = sent(t1);
    assert.equal(t1.state.phase, 'REQUESTING');
    assert.equal(messageType(r.packet), MSG.REQUEST);
    assert.equal(r.packet.xid, d.packet.xid);
    assert.deepEqual([...r.packet.options.get(OPT.requestedIp)!], [10, 9, 0, 50]);
    assert.deepEqual([...r.packet.options.get(OPT.serverId)!], [10, 9, 0, 1]);
    const t2 = onPacket(t1.state, env(10), reply(MSG.ACK, r.packet));
    assert.deepEqual(kinds(t2), ['bound', 'log']);
    assert.equal(t2.state.lease?.address, '10.9.0.50');
    assert.equal(t2.state.wakeAt, 10 + 50_000);
  });

  test('an OFFER for another xid or another MAC, a BOOTREQUEST and a malformed OFFER are ignored', () => {
    const t0 = start(env(0));
    const d = sent(t0).packet;
    const other = onPacket(t0.state, env(1), reply(MSG.OFFER, d, { xid: d.xid + 1 }));
    assert.equal(other.state, t0.state);
    assert.deepEqual(other.actions, [], "another client's reply is dropped silently");
    for (const bad of [reply(MSG.OFFER, d, { chaddr: '02:00:00:00:00:01' }),
      reply(MSG.OFFER, d, { op: 1 }), reply(MSG.OFFER, d, { yiaddr: '0.0.0.0' }), reply(MSG.ACK, d)]) {
      const t = onPacket(t0.state, env(1), bad);
      assert.equal(t.state, t0.state);
      assert.deepEqual(kinds(t), ['log']);
    }
  });

  test('no OFFER: DISCOVER is resent with the same xid after 0.25, 0.5, 1, 2, 4 s', () => {
    let t = start(env(0));
    const xid = t.state.xid;
    let now = 0;
    for (const gap of [250, 500, 1000, 2000, 4000]) {
      assert.equal(t.state.wakeAt, now + gap);
      now += gap;
      assert.deepEqual(onTimer(t.state, env(now - 1)).actions, []);
      t = onTimer(t.state, env(now));
      assert.equal(sent(t).packet.xid, xid);
      assert.equal(sent(t).packet.secs, Math.floor(now / 1000));
    }
  });

  test('a NAK while requesting starts over with a new xid', () => {
    const t0 = start(env(0));
    const t1 = onPacket(t0.state, env(1), reply(MSG.OFFER, sent(t0).packet));
    const t2 = onPacket(t1.state, env(2), reply(MSG.NAK, sent(t1).packet));
    assert.equal(t2.state.phase, 'SELECTING');
    assert.notEqual(t2.state.xid, t1.state.xid);
    assert.equal(messageType(sent(t2).packet), MSG.DISCOVER);
  });

  test('T1: unicast REQUEST to the server with ciaddr and no 50/54; the ACK renews', () => {
    const bound = dora();
    const t = onTimer(bound, env(50_010));
    const r = sent(t);
    assert.equal(t.state.phase, 'RENEWING');
    assert.equal(r.to, '10.9.0.1');
    assert.equal(r.packet.ciaddr, '10.9.0.50');
    assert.equal(r.packet.flags, 0);
    assert.equal(r.packet.options.has(OPT.requestedIp), false);
    assert.equal(r.packet.options.has(OPT.serverId), false);
    const ack = onPacket(t.state, env(50_020), reply(MSG.ACK, r.packet, { ciaddr: '10.9.0.50' }));
    assert.equal(ack.state.phase, 'BOUND');
    assert.equal(ack.state.lease?.boundAt, 50_020);
  });

  test('no answer to renewals: rebind by broadcast at T2, then expire, drop the address and DISCOVER', () => {
    const bound = dora();
    let t = onTimer(bound, env(50_010));
    // Retransmissions halve the time left to T2 (87 s after binding).
    assert.equal(t.state.wakeAt, 50_010 + (87_010 - 50_010) / 2);
    t = onTimer(t.state, env(87_010));
    assert.equal(t.state.phase, 'REBINDING');
    assert.equal(sent(t).to, '255.255.255.255');
    assert.equal(sent(t).packet.ciaddr, '10.9.0.50');
    t = onTimer(t.state, env(100_010));
    assert.deepEqual(kinds(t).slice(0, 3), ['lost', 'log', 'send']);
    assert.equal(t.state.phase, 'SELECTING');
  });

  test('a NAK to a renewal drops the lease', () => {
    const t = onTimer(dora(), env(50_010));
    const nak = onPacket(t.state, env(50_011), reply(MSG.NAK, sent(t).packet));
    assert.equal(nak.actions[0]?.kind, 'lost');
    assert.equal(nak.state.phase, 'SELECTING');
  });

  test('INIT-REBOOT asks for the remembered address; no answer falls back to a DISCOVER asking for it', () => {
    let t = start(env(0), '10.9.0.77');
    const r = sent(t);
    assert.equal(t.state.phase, 'INIT-REBOOT');
    assert.deepEqual([...r.packet.options.get(OPT.requestedIp)!], [10, 9, 0, 77]);
    assert.equal(r.packet.options.has(OPT.serverId), false);
    const acked = onPacket(t.state, env(3), reply(MSG.ACK, r.packet));
    assert.equal(acked.state.phase, 'BOUND');
    t = onTimer(t.state, env(250));
    assert.equal(t.state.phase, 'INIT-REBOOT');
    t = onTimer(t.state, env(750));
    assert.equal(t.state.phase, 'SELECTING');
    assert.deepEqual([...sent(t).packet.options.get(OPT.requestedIp)!], [10, 9, 0, 77]);
    t = onTimer(t.state, env(1000));
    assert.deepEqual([...sent(t).packet.options.get(OPT.requestedIp)!], [10, 9, 0, 77]);
  });

  test('resume: a stored lease continues in the phase the clock says', () => {
    const lease = dora().lease!;
    assert.equal(resume(env(20_000), lease).state.phase, 'BOUND');
    assert.equal(resume(env(60_000), lease).state.phase, 'RENEWING');
    assert.equal(resume(env(90_000), lease).state.phase, 'REBINDING');
    assert.equal(resume(env(200_000), lease).actions[0]?.kind, 'lost');
  });
});
