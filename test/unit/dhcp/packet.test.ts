/**
 * packet.test — the DHCP codec against every malformed case the issue lists (truncated
 * options, option overflow, wrong magic cookie, overload, missing END) and a fuzz run:
 * random and mutated packets may only ever produce a DhcpDecodeError.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpDecodeError, HEADER_LEN, decode, encode, type DhcpPacket } from '../../../src/dhcp/packet.js';
import { decodeClasslessRoutes, encodeClasslessRoutes } from '../../../src/dhcp/classless-routes.js';
import { MSG, OPT, clientMessage, leaseOf, leaseOptions, serverReply } from '../../../src/dhcp/options.js';

const MAC = '02:00:00:aa:bb:cc';
const id = { mac: MAC, clientId: Buffer.from([0xff, 1, 2, 3, 4]), hostname: 'web', params: [1, 3, 6] };

function offer(extra?: Map<number, Buffer>): DhcpPacket {
  const req = clientMessage(id, { type: MSG.DISCOVER, xid: 0x1234, broadcast: true });
  return serverReply({ type: MSG.OFFER, to: req, yiaddr: '10.9.0.50', serverId: '10.9.0.1',
    extra: extra ?? leaseOptions({ prefix: 24, leaseSecs: 600, routers: ['10.9.0.1'], dns: ['10.9.0.2', '10.9.0.3'], mtu: 1400 }) });
}

/** withOptions — a valid header followed by the given raw option bytes. */
function withOptions(raw: number[]): Buffer {
  const b = encode(offer(new Map()));
  return Buffer.concat([b.subarray(0, HEADER_LEN), Buffer.from(raw)]);
}

function rejects(b: Buffer, what: RegExp): void {
  assert.throws(() => decode(b), (e: unknown) => e instanceof DhcpDecodeError && what.test(e.message));
}

describe('DHCP packet codec', () => {
  test('a DISCOVER round-trips with broadcast flag, client-id, hostname and parameter list', () => {
    const p = clientMessage(id, { type: MSG.DISCOVER, xid: 0xdeadbeef, broadcast: true });
    const b = encode(p);
    assert.equal(b.length, 300);
    const d = decode(b);
    assert.equal(d.xid, 0xdeadbeef);
    assert.equal(d.flags, 0x8000);
    assert.equal(d.chaddr, MAC);
    assert.deepEqual(d.options.get(OPT.clientId), id.clientId);
    assert.equal(d.options.get(OPT.hostname)?.toString(), 'web');
    assert.deepEqual([...d.options.get(OPT.paramList)!], [1, 3, 6]);
  });

  test('an OFFER decodes into a lease: mask, router, DNS, MTU, T1/T2 defaults', () => {
    const l = leaseOf(decode(encode(offer())));
    assert.deepEqual({ ...l }, {
      address: '10.9.0.50', prefix: 24, serverId: '10.9.0.1', leaseSecs: 600, t1Secs: 300, t2Secs: 525,
      routers: ['10.9.0.1'], dns: ['10.9.0.2', '10.9.0.3'], domain: undefined, mtu: 1400, routes: [],
    });
  });

  test('a packet shorter than the header', () => rejects(Buffer.alloc(239), /shorter than the 240-byte header/));

  test('wrong magic cookie', () => {
    const b = encode(offer());
    b.writeUInt32BE(0x63825364, 236);
    rejects(b, /wrong magic cookie 0x63825364/);
  });

  test('hardware address length over 16', () => {
    const b = encode(offer());
    b[2] = 17;
    rejects(b, /hardware address length 17/);
  });

  test('truncated option: a code with no length byte', () => rejects(withOptions([53]), /option 53 .* truncated/));

  test('option overflow: a length past the end of the packet', () => rejects(withOptions([53, 1, 2, 6, 40, 1, 2, 3]), /option 6 .* overflows it \(length 40, 3 bytes left\)/));

  test('no END option', () => rejects(withOptions([53, 1, 2, 0, 0]), /no END option/));

  test('option overload (52) with a bad value', () => rejects(withOptions([52, 1, 4, 255]), /overload \(52\) has an invalid value/));

  test('option overload (52): options in the file and sname fields are read', () => {
    const b = withOptions([52, 1, 3, 53, 1, 2, 255]);
    Buffer.from([3, 4, 10, 9, 0, 1, 255]).copy(b, 108); // router in file
    Buffer.from([51, 4, 0, 0, 0, 60, 255]).copy(b, 44); // lease time in sname
    const d = decode(b);
    assert.equal(d.options.get(OPT.router)?.length, 4);
    assert.equal(d.options.get(OPT.leaseTime)?.readUInt32BE(0), 60);
  });

  test('overloaded file field that overflows is rejected', () => {
    const b = withOptions([52, 1, 1, 255]);
    b[108 + 127] = 3; // a code in the last byte of the file field, length byte outside it
    b.fill(0, 108, 108 + 127);
    rejects(b, /option 3 in the file field is truncated/);
  });

  test('repeated options are concatenated (RFC 3396), long values are split on encode', () => {
    const d = decode(withOptions([6, 4, 1, 1, 1, 1, 6, 4, 2, 2, 2, 2, 255]));
    assert.deepEqual([...d.options.get(6)!], [1, 1, 1, 1, 2, 2, 2, 2]);
    const long = Buffer.alloc(300, 7);
    const p = offer(new Map([[OPT.classless, long]]));
    assert.deepEqual(decode(encode(p)).options.get(OPT.classless), long);
  });

  test('inconsistent options never become a lease', () => {
    const bad = (code: number, v: number[]): void => {
      const extra = leaseOptions({ prefix: 24, leaseSecs: 600, routers: [], dns: [] });
      extra.set(code, Buffer.from(v));
      assert.throws(() => leaseOf(decode(encode(offer(extra)))), DhcpDecodeError);
    };
    bad(OPT.subnetMask, [255, 0, 255, 0]); // not contiguous
    bad(OPT.router, [10, 9, 0]); // not a multiple of 4
    bad(OPT.leaseTime, [0, 0, 0, 0]); // zero lease
    bad(OPT.leaseTime, [0, 60]); // wrong size
    bad(OPT.mtu, [5]);
    bad(OPT.classless, [33, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    const p = decode(encode(offer()));
    assert.throws(() => leaseOf({ ...p, yiaddr: '0.0.0.0' }), /not a usable unicast address/);
    assert.throws(() => leaseOf({ ...p, yiaddr: '224.0.0.1' }), /not a usable unicast address/);
    p.options.delete(OPT.serverId);
    assert.throws(() => leaseOf(p), /no server identifier/);
  });

  test('T1/T2 from options; a T1 after T2 or a T2 after expiry is clamped', () => {
    const extra = leaseOptions({ prefix: 24, leaseSecs: 100, routers: [], dns: [] });
    const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
    extra.set(OPT.t1, u32(10)); extra.set(OPT.t2, u32(20));
    let l = leaseOf(decode(encode(offer(extra))));
    assert.deepEqual([l.t1Secs, l.t2Secs], [10, 20]);
    extra.set(OPT.t1, u32(90)); extra.set(OPT.t2, u32(200));
    l = leaseOf(decode(encode(offer(extra))));
    assert.deepEqual([l.t1Secs, l.t2Secs], [43, 87]);
  });
});

describe('classless static routes (option 121, RFC 3442)', () => {
  test('the RFC examples round-trip, host bits cleared, default route has no octets', () => {
    const routes = [
      { dst: '0.0.0.0/0', router: '10.0.0.1' },
      { dst: '10.0.0.0/8', router: '10.0.0.2' },
      { dst: '10.17.0.0/16', router: '0.0.0.0' },
      { dst: '10.27.129.0/24', router: '10.0.0.3' },
      { dst: '10.229.0.128/25', router: '10.0.0.4' },
      { dst: '10.198.122.47/32', router: '10.0.0.5' },
    ];
    const b = encodeClasslessRoutes(routes);
    assert.deepEqual([...b.subarray(0, 5)], [0, 10, 0, 0, 1]);
    assert.deepEqual(decodeClasslessRoutes(b), routes);
    assert.deepEqual(decodeClasslessRoutes(Buffer.from([8, 10, 1, 2, 3, 4])), [{ dst: '10.0.0.0/8', router: '1.2.3.4' }]);
  });

  test('truncated and impossible entries are typed errors', () => {
    assert.throws(() => decodeClasslessRoutes(Buffer.from([24, 10, 0, 0, 1, 2])), /truncated/);
    assert.throws(() => decodeClasslessRoutes(Buffer.from([40, 1, 2, 3, 4, 5, 1, 2, 3, 4])), /over 32/);
  });
});

describe('fuzz', () => {
  /** A small seeded PRNG so a failure is reproducible from the printed seed. */
  function rng(seed: number): () => number {
    return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; };
  }

  test('20000 random and mutated packets: decode and leaseOf throw only DhcpDecodeError', () => {
    const seed = Date.now() & 0xffff;
    const r = rng(seed);
    const valid = encode(offer(new Map([...leaseOptions({ prefix: 24, leaseSecs: 600, routers: ['10.9.0.1'], dns: [] }),
      [OPT.classless, encodeClasslessRoutes([{ dst: '10.0.0.0/8', router: '10.9.0.1' }])], [52, Buffer.from([3])]])));
    for (let i = 0; i < 20000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.from(valid);
        const flips = 1 + Math.floor(r() * 8);
        for (let k = 0; k < flips; k++) b[HEADER_LEN - 200 + Math.floor(r() * (b.length - HEADER_LEN + 200))] = Math.floor(r() * 256);
        if (r() < 0.3) b = b.subarray(0, Math.floor(r() * b.length));
      } else {
        b = Buffer.alloc(Math.floor(r() * 600));
        for (let k = 0; k < b.length; k++) b[k] = Math.floor(r() * 256);
        if (b.length >= 240 && r() < 0.7) b.writeUInt32BE(0x63825363, 236);
      }
      try {
        leaseOf(decode(b));
      } catch (e) {
        if (!(e instanceof DhcpDecodeError)) assert.fail(`seed ${seed}, packet ${i}: ${(e as Error).stack}`);
      }
    }
  });
});
