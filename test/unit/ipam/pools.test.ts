/**
 * pools.test — Docker's default local pools as pinned data (changing them changes every
 * host's subnets), and the validator for user-configured pools: canonical, sorted output and
 * one-line EINVAL errors that name the entry and the bad value.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LOCAL_POOLS,
  MAX_SUBNET_PREFIX,
  compilePools,
  formatPool,
  hostBitsSet,
  parsePools,
  specialRange,
} from '../../../src/ipam/pools.js';
import { parseCidr } from '../../../src/ipam/cidr.js';
import { assertInvalid } from '../../helpers/assert.js';

describe('DEFAULT_LOCAL_POOLS', () => {
  test("is exactly Docker's localScopeDefaultNetworks, in Docker's order", () => {
    assert.deepEqual(DEFAULT_LOCAL_POOLS, [
      { base: '172.17.0.0/16', size: 16 },
      { base: '172.18.0.0/16', size: 16 },
      { base: '172.19.0.0/16', size: 16 },
      { base: '172.20.0.0/14', size: 16 },
      { base: '172.24.0.0/14', size: 16 },
      { base: '172.28.0.0/14', size: 16 },
      { base: '192.168.0.0/16', size: 20 },
    ]);
  });

  test('holds 15 × /16 (172.17–172.31) and 16 × /20, and no 10.0.0.0/8', () => {
    const blocks = DEFAULT_LOCAL_POOLS.map((p) => ({ size: p.size, n: 2 ** (p.size - parseCidr(p.base).prefix) }));
    assert.equal(blocks.filter((b) => b.size === 16).reduce((s, b) => s + b.n, 0), 15);
    assert.equal(blocks.filter((b) => b.size === 20).reduce((s, b) => s + b.n, 0), 16);
    assert.ok(!DEFAULT_LOCAL_POOLS.some((p) => p.base.startsWith('10.')));
  });

  test('is frozen, so no caller can change it for everyone', () => {
    assert.ok(Object.isFrozen(DEFAULT_LOCAL_POOLS));
    assert.ok(DEFAULT_LOCAL_POOLS.every((p) => Object.isFrozen(p)));
  });

  test('passes its own validator unchanged', () => {
    assert.deepEqual(parsePools(DEFAULT_LOCAL_POOLS.map((p) => ({ ...p }))), DEFAULT_LOCAL_POOLS);
  });
});

describe('parsePools', () => {
  test('returns canonical pools sorted by family and address, like Docker', () => {
    assert.deepEqual(
      parsePools([
        { base: '192.168.0.0/16', size: 24 },
        { base: 'FD00:0::/48', size: 64 },
        { base: '10.0.0.0/8', size: 30 },
        { base: '172.16.0.0/12', size: 12 },
      ]),
      [
        { base: '10.0.0.0/8', size: 30 },
        { base: '172.16.0.0/12', size: 12 },
        { base: '192.168.0.0/16', size: 24 },
        { base: 'fd00::/48', size: 64 },
      ],
    );
  });

  test('size bounds: base prefix up to /30 (IPv4) and /126 (IPv6) are accepted', () => {
    assert.deepEqual(parsePools([{ base: '10.0.0.0/8', size: 8 }]), [{ base: '10.0.0.0/8', size: 8 }]);
    assert.deepEqual(parsePools([{ base: '10.0.0.0/8', size: 30 }]), [{ base: '10.0.0.0/8', size: 30 }]);
    assert.deepEqual(parsePools([{ base: 'fd00::/48', size: 126 }]), [{ base: 'fd00::/48', size: 126 }]);
    assert.deepEqual(MAX_SUBNET_PREFIX, { 4: 30, 6: 126 });
  });

  test('the list itself must be a non-empty array', () => {
    assertInvalid(() => parsePools({ base: '10.0.0.0/8', size: 24 }), 'address pools must be a list', '{"base":"10.0.0.0/8","size":24}');
    assertInvalid(() => parsePools('10.0.0.0/8'), 'must be a list', '"10.0.0.0/8"');
    assertInvalid(() => parsePools(undefined), 'must be a list', 'nothing');
    assertInvalid(() => parsePools([]), 'empty list');
    assertInvalid(() => parsePools(null, 'default-address-pools'), 'default-address-pools must be a list', 'null');
  });

  test('entries must be {base, size} objects without other keys', () => {
    assertInvalid(() => parsePools([42]), 'pool #1', 'got 42');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: 24 }, ['10.1.0.0/16', 24]]), 'pool #2', '["10.1.0.0/16",24]');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', Size: 24 }]), 'pool #1', 'unknown key "Size"');
    assertInvalid(() => parsePools([{ size: 24 }]), 'pool #1', '"base"', 'got nothing');
    assertInvalid(() => parsePools([{ base: 10, size: 24 }]), 'pool #1', '"base"', 'got 10');
  });

  test('base must be a valid network CIDR', () => {
    assertInvalid(() => parsePools([{ base: '10.0.0/8', size: 24 }]), 'pool #1 base', '"10.0.0"');
    assertInvalid(() => parsePools([{ base: '10.0.0.0', size: 24 }]), 'pool #1 base', '"10.0.0.0"', 'prefix');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/33', size: 24 }]), 'pool #1 base', '"10.0.0.0/33"');
    assertInvalid(() => parsePools([{ base: '10.1.2.3/8', size: 24 }]), 'pool #1 base "10.1.2.3/8"', 'host bits', '10.0.0.0/8');
  });

  test('base may not overlap loopback, multicast or reserved ranges', () => {
    assertInvalid(() => parsePools([{ base: '127.0.0.0/8', size: 16 }]), '"127.0.0.0/8"', 'loopback');
    assertInvalid(() => parsePools([{ base: '224.0.0.0/4', size: 16 }]), '"224.0.0.0/4"', 'multicast');
    assertInvalid(() => parsePools([{ base: '0.0.0.0/0', size: 16 }]), '"0.0.0.0/0"');
    assertInvalid(() => parsePools([{ base: '240.0.0.0/8', size: 16 }]), '"240.0.0.0/8"', 'reserved');
    assertInvalid(() => parsePools([{ base: 'ff00::/8', size: 64 }]), '"ff00::/8"', 'multicast');
    assertInvalid(() => parsePools([{ base: 'fe80::/64', size: 64 }]), '"fe80::/64"', 'link-local');
  });

  test('size must be a whole prefix length between the base prefix and the family maximum', () => {
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8' }]), 'pool #1', '"size"', '8-30', 'got nothing');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: '24' }]), 'pool #1', '"size"', 'got "24"');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: 24.5 }]), 'pool #1', 'got 24.5');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/16', size: 8 }]), 'pool #1 size 8', '10.0.0.0/16', '16-30');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: 31 }]), 'pool #1 size 31', '8-30', '/30 for IPv4');
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: 32 }]), 'size 32');
    assertInvalid(() => parsePools([{ base: 'fd00::/48', size: 127 }]), 'size 127', '48-126');
  });

  test('overlapping pools are refused, naming both by their place in the list', () => {
    assertInvalid(
      () => parsePools([{ base: '10.0.0.0/8', size: 24 }, { base: '192.168.0.0/16', size: 24 }, { base: '10.20.0.0/16', size: 24 }]),
      'pool #3 (10.20.0.0/16) overlaps pool #1 (10.0.0.0/8)',
    );
    // Listed with the smaller one first: still names the later entry as the culprit.
    assertInvalid(
      () => parsePools([{ base: '10.20.0.0/16', size: 24 }, { base: '10.0.0.0/8', size: 24 }]),
      'pool #2 (10.0.0.0/8) overlaps pool #1 (10.20.0.0/16)',
    );
    assertInvalid(() => parsePools([{ base: '10.0.0.0/8', size: 24 }, { base: '10.0.0.0/8', size: 16 }]), 'pool #2', 'overlaps pool #1');
    // Adjacent pools and pools of different families do not overlap.
    assert.equal(parsePools([{ base: '10.0.0.0/9', size: 24 }, { base: '10.128.0.0/9', size: 24 }]).length, 2);
  });

  test('compilePools keeps each pool’s 1-based index and parsed base', () => {
    const [a, b] = compilePools([{ base: '192.168.0.0/16', size: 20 }, { base: '172.17.0.0/16', size: 16 }]);
    assert.deepEqual(a, { family: 4, base: { family: 4, addr: 0xac110000n, prefix: 16 }, size: 16, index: 2 });
    assert.deepEqual(b, { family: 4, base: { family: 4, addr: 0xc0a80000n, prefix: 16 }, size: 20, index: 1 });
  });
});

describe('helpers', () => {
  test('formatPool', () => {
    assert.equal(formatPool({ base: '192.168.0.0/16', size: 20 }), '192.168.0.0/16 as /20');
    assert.equal(formatPool(compilePools([{ base: 'fd00::/48', size: 64 }])[0]!), 'fd00::/48 as /64');
  });

  test('hostBitsSet', () => {
    assert.equal(hostBitsSet(parseCidr('10.0.0.0/8')), false);
    assert.equal(hostBitsSet(parseCidr('10.0.0.1/8')), true);
    assert.equal(hostBitsSet(parseCidr('10.0.0.1/32')), false);
    assert.equal(hostBitsSet(parseCidr('0.0.0.0/0')), false);
    assert.equal(hostBitsSet(parseCidr('fd00::1/64')), true);
    assert.equal(hostBitsSet(parseCidr('fd00::/64')), false);
  });

  test('specialRange', () => {
    assert.equal(specialRange(parseCidr('127.0.0.0/8')), 'loopback range 127.0.0.0/8');
    assert.equal(specialRange(parseCidr('126.0.0.0/7')), 'loopback range 127.0.0.0/8');
    assert.equal(specialRange(parseCidr('0.0.0.0/24')), '"this network" range 0.0.0.0/8');
    assert.equal(specialRange(parseCidr('255.255.255.255/32')), 'reserved (class E and broadcast) range 240.0.0.0/4');
    assert.equal(specialRange(parseCidr('::1/128')), 'unspecified/loopback range ::/127');
    assert.equal(specialRange(parseCidr('::ffff:10.0.0.0/104')), 'IPv4-mapped range ::ffff:0.0.0.0/96');
    for (const ok of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', 'fd00::/8', '2001:db8::/32']) {
      assert.equal(specialRange(parseCidr(ok)), undefined, ok);
    }
  });
});
