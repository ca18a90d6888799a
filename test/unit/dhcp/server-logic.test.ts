/**
 * server-logic.test — the DHCP server's answers: OFFER from the range (lowest never-used,
 * skipping the gateway, static attachments and other clients' leases; then the lease that
 * expired first), ACK only for the address OFFERed to that client, INIT-REBOOT and renewal
 * only for its own lease, the lease cap per bridge port, reservations by MAC, RELEASE,
 * DECLINE, INFORM, exhaustion, escaped hostnames; the lease table's index against a
 * brute-force model; rate limits; and the --dhcp-server flags.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type DhcpPacket } from '../../../src/dhcp/packet.js';
import { MSG, OPT, clientMessage, leaseOf, messageType } from '../../../src/dhcp/options.js';
import { CLIENT_LEASE_CAP, decide, ipNum, numIp, type Decision, type ServerConfig, type ServerLease } from '../../../src/dhcp/server-logic.js';
import { LeaseTable } from '../../../src/dhcp/lease-table.js';
import { RateLimiter } from '../../../src/dhcp/rate-limit.js';
import { oneLine } from '../../../src/dhcp/keeper-log.js';
import { parseDuration, serverConfig } from '../../../src/dhcp/server-config.js';
import { assertInvalid } from '../../helpers/assert.js';

const cfg: ServerConfig = serverConfig({ range: '10.5.0.10-10.5.0.12', lease: '10m', dns: ['10.5.0.53'], hosts: ['02:00:00:00:00:99=10.5.0.99'] }, '10.5.0.0/24', '10.5.0.1', 1450);
const idOf = (n: number) => ({ mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`, clientId: Buffer.from([0, n]), hostname: `h${n}`, params: [1, 3] });
const NOW = 1_000_000;

function req(n: number, type: number, f: { ciaddr?: string; requestedIp?: string; serverId?: string; hostname?: string } = {}): DhcpPacket {
  return decode(encode(clientMessage({ ...idOf(n), ...(f.hostname ? { hostname: f.hostname } : {}) }, { type: type as 1, xid: 7, broadcast: true, ...f })));
}
function reply(d: Decision): { type: number; yiaddr: string; to: string } {
  assert.ok(d.reply, d.log);
  return { type: messageType(d.reply.packet), yiaddr: d.reply.packet.yiaddr, to: d.reply.to };
}
/** table — a lease table holding `leases`, with `taken` attached statically. */
const table = (leases: ServerLease[] = [], taken: string[] = [], c = cfg): LeaseTable => new LeaseTable(c, leases, new Set(taken));
/** run — decides and applies the decision to the table, as server.ts does. */
function run(t: LeaseTable, r: DhcpPacket, now = NOW, port: string | null = 'p1'): Decision {
  const d = decide(cfg, t, r, now, port);
  if (d.drop) t.drop(d.drop);
  if (d.put) t.put(d.put);
  return d;
}
const bound = (n: number, ip: string, expiresAt = NOW + 1000): ServerLease => ({ ip, clientKey: `00${n.toString(16).padStart(2, '0')}`, mac: idOf(n).mac, hostname: null, state: 'bound', expiresAt });

describe('DHCP server logic', () => {
  test('DORA: lowest free address, lease options, then a bound lease', () => {
    const t = table();
    const offer = run(t, req(1, MSG.DISCOVER));
    assert.deepEqual(reply(offer), { type: MSG.OFFER, yiaddr: '10.5.0.10', to: '255.255.255.255' });
    const l = leaseOf(offer.reply!.packet);
    assert.deepEqual([l.prefix, l.serverId, l.leaseSecs, l.routers, l.dns, l.mtu], [24, '10.5.0.1', 600, ['10.5.0.1'], ['10.5.0.53'], 1450]);
    assert.equal(t.all()[0]?.state, 'offered');
    const ack = run(t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.1' }), NOW + 5);
    assert.deepEqual(reply(ack), { type: MSG.ACK, yiaddr: '10.5.0.10', to: '255.255.255.255' });
    assert.deepEqual(t.all().map((x) => [x.ip, x.state, x.hostname, x.expiresAt, x.port]), [['10.5.0.10', 'bound', 'h1', NOW + 5 + 600_000, 'p1']]);
    // A second client skips the held address and a statically attached one.
    const t2 = table(t.all(), ['10.5.0.11']);
    assert.equal(reply(run(t2, req(2, MSG.DISCOVER), NOW, 'p2')).yiaddr, '10.5.0.12');
  });

  test('SELECTING: a REQUEST is ACKed only for the address OFFERed to that very client', () => {
    const t = table();
    // No OFFER at all: the attack that drained a range with 21 packets.
    assert.equal(reply(run(t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.11', serverId: '10.5.0.1' }))).type, MSG.NAK);
    assert.deepEqual(t.all(), []);
    run(t, req(1, MSG.DISCOVER));
    assert.equal(reply(run(t, req(2, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.1' }), NOW, 'p2')).type, MSG.NAK, 'another client');
    assert.equal(reply(run(t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.11', serverId: '10.5.0.1' }))).type, MSG.NAK, 'another address');
    assert.equal(reply(run(t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.1' }), NOW + 70_000)).type, MSG.NAK, 'the OFFER ran out');
  });

  test('INIT-REBOOT and renewal: ACK for the client\'s own lease only, else NAK', () => {
    const t = table([bound(1, '10.5.0.10')]);
    assert.deepEqual(reply(decide(cfg, t, req(1, MSG.REQUEST, { ciaddr: '10.5.0.10' }), NOW)), { type: MSG.ACK, yiaddr: '10.5.0.10', to: '10.5.0.10' });
    assert.equal(reply(decide(cfg, t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.10' }), NOW)).type, MSG.ACK);
    assert.equal(reply(decide(cfg, t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.10' }), NOW + 5000)).type, MSG.ACK, 'expired, but nobody took it');
    assert.equal(reply(decide(cfg, t, req(2, MSG.REQUEST, { ciaddr: '10.5.0.10' }), NOW)).type, MSG.NAK);
    assert.equal(reply(decide(cfg, t, req(2, MSG.REQUEST, { requestedIp: '10.5.0.10' }), NOW + 2000)).type, MSG.NAK, 'expired, still not its lease');
    assert.equal(reply(decide(cfg, t, req(2, MSG.REQUEST, { requestedIp: '10.5.0.12' }), NOW)).type, MSG.NAK, 'a free address is not its lease either');
    assert.equal(reply(decide(cfg, t, req(2, MSG.REQUEST, { requestedIp: '192.168.9.9' }), NOW)).type, MSG.NAK);
  });

  test('a REQUEST choosing another server drops the offer and gets no answer', () => {
    const t = table();
    run(t, req(1, MSG.DISCOVER));
    const d = run(t, req(1, MSG.REQUEST, { requestedIp: '10.5.0.10', serverId: '10.5.0.2' }));
    assert.equal(d.reply, undefined);
    assert.deepEqual(t.all(), []);
  });

  test('reservation by MAC, outside the range too', () => {
    const d = decide(cfg, table(), decode(encode(clientMessage({ ...idOf(1), mac: '02:00:00:00:00:99' }, { type: MSG.DISCOVER, xid: 1, broadcast: true }))), NOW);
    assert.equal(reply(d).yiaddr, '10.5.0.99');
  });

  test('RELEASE frees, DECLINE keeps the address out of use, INFORM gets options without a lease', () => {
    const leases = [bound(1, '10.5.0.10')];
    let t = table(leases);
    run(t, req(1, MSG.RELEASE, { ciaddr: '10.5.0.10' }));
    assert.deepEqual(t.all(), []);
    t = table(leases);
    run(t, req(2, MSG.RELEASE, { ciaddr: '10.5.0.10' }));
    assert.deepEqual(t.all(), leases);
    run(t, req(1, MSG.DECLINE, { requestedIp: '10.5.0.10' }));
    assert.deepEqual(t.all().map((l) => [l.ip, l.state, l.clientKey]), [['10.5.0.10', 'declined', 'declined:10.5.0.10']]);
    assert.equal(reply(decide(cfg, t, req(1, MSG.DISCOVER), NOW)).yiaddr, '10.5.0.11');
    const inform = decide(cfg, table(), req(3, MSG.INFORM, { ciaddr: '10.5.0.200' }), NOW);
    assert.equal(reply(inform).to, '10.5.0.200');
    assert.equal(inform.reply!.packet.options.has(OPT.leaseTime), false);
    assert.equal(inform.put, undefined);
  });

  test('an exhausted range offers the lease that expired first, then nothing', () => {
    const t = table();
    for (const n of [1, 2, 3]) run(t, req(n, MSG.DISCOVER), NOW, `p${n}`);
    const d = decide(cfg, t, req(4, MSG.DISCOVER), NOW, 'p4');
    assert.equal(d.reply, undefined);
    assert.match(d.log, /exhausted/);
    // The OFFERs hold 60 s; the second client's ran out first once all did.
    t.put({ ...t.byClient('0002')!, expiresAt: NOW + 10 });
    assert.equal(reply(decide(cfg, t, req(4, MSG.DISCOVER), NOW + 70_000, 'p4')).yiaddr, '10.5.0.11');
  });

  test('one bridge port holds at most CLIENT_LEASE_CAP leases, whatever MACs it spoofs', () => {
    const wide = serverConfig({ range: '10.5.0.10-10.5.0.250', dns: [], hosts: [] }, '10.5.0.0/24', '10.5.0.1', 1500);
    const t = new LeaseTable(wide);
    let offered = 0;
    for (let n = 1; n <= 50; n++) {
      const d = decide(wide, t, req(n, MSG.DISCOVER), NOW, 'guest-a');
      if (d.put) { t.put(d.put); offered++; }
    }
    assert.equal(offered, CLIENT_LEASE_CAP);
    assert.match(decide(wide, t, req(60, MSG.DISCOVER), NOW, 'guest-a').log, /its port already holds 4 leases/);
    assert.equal(reply(decide(wide, t, req(61, MSG.DISCOVER), NOW, 'guest-b')).type, MSG.OFFER, 'another guest is served');
    assert.equal(reply(decide(wide, t, req(1, MSG.DISCOVER), NOW, 'guest-a')).type, MSG.OFFER, 'a client that holds a lease still renews it');
  });

  test('a hostname from a packet is escaped before it reaches the log or state', () => {
    const t = table();
    const d = run(t, req(1, MSG.DISCOVER, { hostname: 'evil\n2026-01-01T00:00:00Z forged line\\' }));
    assert.doesNotMatch(d.log, /\n/);
    assert.match(d.log, /evil\\x0a2026-01-01T00:00:00Z forged line\\x5c/);
    assert.equal(t.all()[0]!.hostname, 'evil\\x0a2026-01-01T00:00:00Z forged line\\x5c');
    assert.equal(oneLine('a\nb\rc\u0000'), 'a\\x0ab\\x0dc\\x00');
  });

  test('the lease table agrees with a brute-force scan over a /16 with thousands of leases', () => {
    const big = serverConfig({ range: '10.9.0.2-10.9.255.254', dns: [], hosts: ['02:00:00:00:00:01=10.9.0.7'] }, '10.9.0.0/16', '10.9.0.1', 1500);
    const leases: ServerLease[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ip = numIp(ipNum('10.9.0.2') + ((i * 7919) % 60_000));
      if (!leases.some((l) => l.ip === ip)) leases.push({ ip, clientKey: `k${i}`, mac: 'x', hostname: null, state: 'bound', expiresAt: NOW + i });
    }
    const t = new LeaseTable(big, leases, new Set(['10.9.0.3']));
    const used = new Set([...leases.map((l) => l.ip), '10.9.0.1', '10.9.0.3', '10.9.0.7']);
    const brute = (): string | undefined => { for (let n = ipNum(big.rangeStart); n <= ipNum(big.rangeEnd); n++) if (!used.has(numIp(n))) return numIp(n); return undefined; };
    for (let k = 0; k < 50; k++) {
      const ip = t.lowestFree()!;
      assert.equal(ip, brute());
      t.put({ ip, clientKey: `new${k}`, mac: 'y', hostname: null, state: 'offered', expiresAt: NOW + 100_000 });
      used.add(ip);
      if (k % 5 === 0) { const gone = leases[k * 100]!; t.drop(gone.clientKey); used.delete(gone.ip); }
    }
    assert.equal(t.oldestExpired(NOW + 5), leases.find((l) => l.expiresAt === NOW + 1)?.ip);
  });

  test('rate limits: a burst, then the refill rate; per port and per segment; drops summarised', () => {
    const r = new RateLimiter({ perSecond: 10, burst: 20 }, { perSecond: 100, burst: 30 }, 0);
    let a = 0;
    for (let i = 0; i < 100; i++) if (r.clientAllows('p1', 0)) a++;
    assert.equal(a, 20);
    assert.ok(r.clientAllows('p2', 0), 'another port has its own bucket');
    assert.equal([...Array(10)].filter(() => r.clientAllows('p1', 500)).length, 5, 'refilled at 10/s');
    let s = 0;
    for (let i = 0; i < 100; i++) if (r.segmentAllows(0)) s++;
    assert.equal(s, 30);
    assert.match(r.summary()!, /^dropped requests: 85 \(over the rate limit of port p1\), 70 \(over the segment's rate limit\)$/);
    assert.equal(r.summary(), undefined);
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
