/**
 * cidr.test — the pure address math every attach, pool and rule depends on: parse/format
 * round trips (RFC 5952 canonical IPv6), prefix validation, network/contains/overlaps.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  bits,
  contains,
  familyOf,
  formatCidr,
  formatIp,
  mask,
  network,
  overlaps,
  parseCidr,
  parseIp,
  type Cidr,
} from '../../../src/ipam/cidr.js';
import { assertInvalid } from '../../helpers/assert.js';


/** canon — parse then format: the canonical text of an address. */
function canon(text: string): string {
  const { family, addr } = parseIp(text);
  return formatIp(family, addr);
}

describe('familyOf / bits', () => {
  test('recognises families and rejects junk', () => {
    assert.equal(familyOf('10.0.0.1'), 4);
    assert.equal(familyOf('::1'), 6);
    assert.equal(familyOf('::ffff:1.2.3.4'), 6);
    assert.equal(familyOf('10.0.0.1/24'), undefined);
    assert.equal(familyOf('eth0'), undefined);
    assert.equal(familyOf(''), undefined);
    assert.equal(bits(4), 32);
    assert.equal(bits(6), 128);
  });
});

describe('parseIp / formatIp, IPv4', () => {
  test('values are the big-endian number of the address', () => {
    assert.deepEqual(parseIp('0.0.0.0'), { family: 4, addr: 0n });
    assert.deepEqual(parseIp('10.0.0.1'), { family: 4, addr: 0x0a000001n });
    assert.deepEqual(parseIp('192.168.115.10'), { family: 4, addr: 0xc0a8730an });
    assert.deepEqual(parseIp('255.255.255.255'), { family: 4, addr: 0xffffffffn });
  });

  test('round trips', () => {
    for (const ip of ['0.0.0.0', '1.2.3.4', '10.0.0.1', '127.0.0.1', '172.16.255.254', '192.168.115.10', '255.255.255.255']) {
      assert.equal(canon(ip), ip);
    }
    assert.equal(formatIp(4, 0x01020304n), '1.2.3.4');
  });

  test('rejects malformed text with EINVAL naming the value', () => {
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '', 'localhost']) {
      assertInvalid(() => parseIp(bad), `"${bad}"`);
    }
    assertInvalid(() => parseIp('nope', 'gateway'), 'gateway "nope"');
  });
});

describe('parseIp / formatIp, IPv6', () => {
  test('special forms parse to the right numbers', () => {
    assert.deepEqual(parseIp('::'), { family: 6, addr: 0n });
    assert.deepEqual(parseIp('::1'), { family: 6, addr: 1n });
    assert.deepEqual(parseIp('fe80::1'), { family: 6, addr: (0xfe80n << 112n) | 1n });
    assert.deepEqual(parseIp('1::'), { family: 6, addr: 1n << 112n });
    assert.deepEqual(parseIp('::ffff:1.2.3.4'), { family: 6, addr: 0xffff_0102_0304n });
    assert.deepEqual(parseIp('2001:db8::1:0:0:1'), { family: 6, addr: 0x2001_0db8_0000_0000_0001_0000_0000_0001n });
    assert.deepEqual(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), { family: 6, addr: (1n << 128n) - 1n });
    // An embedded IPv4 tail after eight-minus-two hex groups.
    assert.deepEqual(parseIp('1:2:3:4:5:6:7.8.9.10'), { family: 6, addr: 0x0001_0002_0003_0004_0005_0006_0708_090an });
  });

  test('round trips of canonical text', () => {
    for (const ip of [
      '::',
      '::1',
      '1::',
      'fe80::1',
      '::ffff:1.2.3.4',
      '::ffff:0.0.0.0',
      '::ffff:255.255.255.255',
      '2001:db8::1',
      '2001:db8::1:0:0:1',
      '2001:db8:0:1:1:1:1:1',
      'fd00:1:2:3:4:5:6:7',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]) {
      assert.equal(canon(ip), ip, `round trip of ${ip}`);
    }
  });

  test('RFC 5952 canonical form', () => {
    const cases: Array<[string, string]> = [
      // 4.2.3: the first of two equally long zero runs is the one shortened.
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      // 4.2.3: the longest run is shortened, even when it is not the first.
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      // 4.2.2: a single 16-bit 0 field is not shortened with ::.
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1::2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
      // 4.1: leading zeros dropped; 4.3: lower case.
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['FE80::ABCD:EF01', 'fe80::abcd:ef01'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
      ['0:0:1:0:0:0:1:0', '0:0:1::1:0'],
      // Section 5: IPv4-mapped addresses keep the dotted-quad tail (as inet_ntop/iproute2 do).
      ['::FFFF:102:304', '::ffff:1.2.3.4'],
      ['0:0:0:0:0:ffff:c0a8:730a', '::ffff:192.168.115.10'],
    ];
    for (const [input, want] of cases) assert.equal(canon(input), want, `canonical form of ${input}`);
  });

  test('formatIp agrees with the WHATWG URL serialiser on pseudo-random addresses', () => {
    // The URL serialiser compresses the first longest run of 2+ zero groups, like RFC 5952;
    // it differs only on IPv4-mapped addresses, which are skipped here.
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      return seed;
    };
    for (let n = 0; n < 2000; n++) {
      let addr = 0n;
      for (let i = 0; i < 8; i++) {
        // Mostly zero groups so that runs of every length and position appear.
        const g = next() % 3 === 0 ? next() & 0xffff : 0;
        addr = (addr << 16n) | BigInt(g);
      }
      if (addr >> 32n === 0xffffn) continue;
      const full = Array.from({ length: 8 }, (_, i) => ((addr >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
      const viaUrl = new URL(`http://[${full}]/`).hostname.slice(1, -1);
      assert.equal(formatIp(6, addr), viaUrl, `format of ${full}`);
      assert.equal(parseIp(viaUrl).addr, addr, `parse of ${viaUrl}`);
    }
  });

  test('rejects malformed text and zone indexes with EINVAL naming the value', () => {
    for (const bad of [':::', '1::2::3', '12345::1', 'fe80::g', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'fe80::%1', '[::1]']) {
      assertInvalid(() => parseIp(bad), `"${bad}"`);
    }
  });
});

describe('parseCidr / formatCidr', () => {
  test('parses family, address (host bits kept) and prefix', () => {
    assert.deepEqual(parseCidr('192.168.115.10/24'), { family: 4, addr: 0xc0a8730an, prefix: 24 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { family: 4, addr: 0n, prefix: 0 });
    assert.deepEqual(parseCidr('10.1.2.3/32'), { family: 4, addr: 0x0a010203n, prefix: 32 });
    assert.deepEqual(parseCidr('fd00::2/64'), { family: 6, addr: (0xfd00n << 112n) | 2n, prefix: 64 });
    assert.deepEqual(parseCidr('::/0'), { family: 6, addr: 0n, prefix: 0 });
    assert.deepEqual(parseCidr('::1/128'), { family: 6, addr: 1n, prefix: 128 });
  });

  test('round trips and canonicalises', () => {
    for (const c of ['10.0.0.2/24', '0.0.0.0/0', '255.255.255.255/32', 'fd00::2/64', '::/0', '::1/128', 'fe80::1/64', '::ffff:1.2.3.4/96', '2001:db8::1:0:0:1/48']) {
      assert.equal(formatCidr(parseCidr(c)), c);
    }
    assert.equal(formatCidr(parseCidr('2001:db8:0:0:1:0:0:1/64')), '2001:db8::1:0:0:1/64');
    assert.equal(formatCidr(parseCidr('FD00:0::0002/64')), 'fd00::2/64');
  });

  test('a missing prefix is an error that suggests one', () => {
    assertInvalid(() => parseCidr('10.0.0.2'), '"10.0.0.2"', 'prefix', '10.0.0.2/24');
    assertInvalid(() => parseCidr('fd00::2'), '"fd00::2"', 'prefix');
  });

  test('prefix out of range for the family', () => {
    assertInvalid(() => parseCidr('10.0.0.2/33'), '"10.0.0.2/33"', '"33"', '0-32');
    assertInvalid(() => parseCidr('10.0.0.2/64'), '"64"', '0-32');
    assertInvalid(() => parseCidr('fd00::2/129'), '"fd00::2/129"', '"129"', '0-128');
    assertInvalid(() => parseCidr('fd00::2/1000'), '"1000"');
    assert.equal(parseCidr('fd00::2/33').prefix, 33);
  });

  test('junk prefixes and addresses', () => {
    for (const [bad, value] of [
      ['10.0.0.2/', '""'],
      ['10.0.0.2/abc', '"abc"'],
      ['10.0.0.2/-1', '"-1"'],
      ['10.0.0.2/+8', '"+8"'],
      ['10.0.0.2/ 24', '" 24"'],
      ['10.0.0.2/24 ', '"24 "'],
      ['10.0.0.2/2.4', '"2.4"'],
      ['10.0.0.2/1e1', '"1e1"'],
      ['10.0.0.2/0x10', '"0x10"'],
      ['10.0.0.2/24/8', '"24/8"'],
    ] as const) {
      assertInvalid(() => parseCidr(bad), `"${bad}"`, value);
    }
    assertInvalid(() => parseCidr('junk/24'), '"junk"');
    assertInvalid(() => parseCidr('/24'), '""');
    assertInvalid(() => parseCidr('10.0.0.256/24'), '"10.0.0.256"');
    assertInvalid(() => parseCidr(''), 'prefix');
    assertInvalid(() => parseCidr('fe80::1%eth0/64'), '"fe80::1%eth0"');
  });

  test('the "what" label names the argument in the message', () => {
    assertInvalid(() => parseCidr('10.0.0.2', 'subnet'), 'subnet "10.0.0.2"');
    assertInvalid(() => parseCidr('x/24', 'subnet'), 'subnet "x"');
    assertInvalid(() => parseCidr('10.0.0.0/40', 'subnet'), 'subnet "10.0.0.0/40"');
  });
});

describe('mask / network', () => {
  test('mask', () => {
    assert.equal(mask({ family: 4, prefix: 0 }), 0n);
    assert.equal(mask({ family: 4, prefix: 8 }), 0xff000000n);
    assert.equal(mask({ family: 4, prefix: 24 }), 0xffffff00n);
    assert.equal(mask({ family: 4, prefix: 31 }), 0xfffffffen);
    assert.equal(mask({ family: 4, prefix: 32 }), 0xffffffffn);
    assert.equal(mask({ family: 6, prefix: 0 }), 0n);
    assert.equal(mask({ family: 6, prefix: 64 }), ((1n << 64n) - 1n) << 64n);
    assert.equal(mask({ family: 6, prefix: 128 }), (1n << 128n) - 1n);
  });

  test('network clears host bits and keeps family and prefix', () => {
    const n = (c: string): string => formatCidr(network(parseCidr(c)));
    assert.equal(n('192.168.115.10/24'), '192.168.115.0/24');
    assert.equal(n('10.1.2.3/8'), '10.0.0.0/8');
    assert.equal(n('172.31.255.255/12'), '172.16.0.0/12');
    assert.equal(n('10.1.2.3/32'), '10.1.2.3/32');
    assert.equal(n('10.1.2.3/0'), '0.0.0.0/0');
    assert.equal(n('2001:db8::1:0:0:1/64'), '2001:db8::/64');
    assert.equal(n('2001:db8:1234:5678::1/36'), '2001:db8:1000::/36');
    assert.equal(n('fe80::1/128'), 'fe80::1/128');
    assert.equal(n('fe80::1/0'), '::/0');
  });

  test('network does not modify its argument', () => {
    const c = parseCidr('10.0.0.9/24');
    network(c);
    assert.deepEqual(c, { family: 4, addr: 0x0a000009n, prefix: 24 });
  });
});

describe('contains', () => {
  const ip = (t: string): [4 | 6, bigint] => {
    const p = parseIp(t);
    return [p.family, p.addr];
  };
  const net24 = parseCidr('192.168.115.10/24');

  test('addresses inside, at the edges and outside', () => {
    assert.equal(contains(net24, ...ip('192.168.115.0')), true);
    assert.equal(contains(net24, ...ip('192.168.115.2')), true);
    assert.equal(contains(net24, ...ip('192.168.115.255')), true);
    assert.equal(contains(net24, ...ip('192.168.114.255')), false);
    assert.equal(contains(net24, ...ip('192.168.116.0')), false);
    assert.equal(contains(net24, ...ip('10.0.0.1')), false);
  });

  test('other family never matches, even with the same number', () => {
    assert.equal(contains(parseCidr('0.0.0.0/0'), 6, 5n), false);
    assert.equal(contains(parseCidr('::/0'), 4, 5n), false);
    assert.equal(contains(parseCidr('::/96'), ...ip('0.0.0.1')), false);
  });

  test('/0 holds everything of its family, /32 and /128 only themselves', () => {
    assert.equal(contains(parseCidr('0.0.0.0/0'), ...ip('255.255.255.255')), true);
    assert.equal(contains(parseCidr('::/0'), ...ip('ffff::1')), true);
    assert.equal(contains(parseCidr('10.0.0.1/32'), ...ip('10.0.0.1')), true);
    assert.equal(contains(parseCidr('10.0.0.1/32'), ...ip('10.0.0.2')), false);
    assert.equal(contains(parseCidr('fd00::1/128'), ...ip('fd00::1')), true);
    assert.equal(contains(parseCidr('fd00::1/128'), ...ip('fd00::2')), false);
  });

  test('IPv6', () => {
    const c = parseCidr('fd00:1::5/64');
    assert.equal(contains(c, ...ip('fd00:1::ffff:ffff:ffff:ffff')), true);
    assert.equal(contains(c, ...ip('fd00:1:0:1::')), false);
  });
});

describe('overlaps', () => {
  const ov = (a: string, b: string): boolean => overlaps(parseCidr(a), parseCidr(b));

  test('is symmetric', () => {
    const all = ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16', '192.168.0.0/24', '192.168.0.128/25', '0.0.0.0/0', 'fd00::/8', 'fd00:1::/64'];
    for (const a of all) for (const b of all) assert.equal(ov(a, b), ov(b, a), `${a} vs ${b}`);
  });

  test('cases', () => {
    assert.equal(ov('10.0.0.0/24', '10.0.0.0/24'), true);
    assert.equal(ov('10.0.0.5/24', '10.0.0.200/24'), true, 'host bits are ignored');
    assert.equal(ov('10.0.0.0/8', '10.200.3.0/24'), true, 'nested');
    assert.equal(ov('10.0.0.0/24', '10.0.1.0/24'), false, 'neighbours');
    assert.equal(ov('192.168.0.0/25', '192.168.0.128/25'), false, 'adjacent halves');
    assert.equal(ov('192.168.0.0/23', '192.168.1.128/25'), true);
    assert.equal(ov('0.0.0.0/0', '203.0.113.7/32'), true);
    assert.equal(ov('172.16.0.0/12', '172.32.0.0/12'), false);
    assert.equal(ov('fd00::/8', 'fd12:3456::/48'), true);
    assert.equal(ov('fd00:1::/64', 'fd00:2::/64'), false);
    assert.equal(ov('::/0', '::1/128'), true);
  });

  test('different families never overlap', () => {
    assert.equal(ov('0.0.0.0/0', '::/0'), false);
    assert.equal(ov('0.0.0.1/32', '::1/128'), false);
  });
});
