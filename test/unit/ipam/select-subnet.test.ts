/**
 * select-subnet.test — `--subnet auto` picks the lowest free block of Docker's pools and
 * skips routes, host addresses, nameservers and held subnets; explicit subnets that overlap
 * the host are refused with the conflict named; big pools are walked by jumps, not block by
 * block.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkExplicitSubnet, selectSubnet } from '../../../src/ipam/select-subnet.js';
import { TsnetError } from '../../../src/core/errors.js';
import { assertInvalid } from '../../helpers/assert.js';

/** assertConflict — the call throws a one-line TsnetError ECONFLICT whose message contains every needle. */
function assertConflict(fn: () => unknown, ...needles: string[]): TsnetError {
  let caught: unknown;
  assert.throws(fn, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof TsnetError, `expected TsnetError, got ${String(caught)}`);
  assert.equal(caught.code, 'ECONFLICT', caught.message);
  for (const n of needles) assert.ok(caught.message.includes(n), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(n)}`);
  assert.ok(!caught.message.includes('\n'), 'error messages are one line');
  return caught;
}

describe('selectSubnet: Docker order on a clean host', () => {
  test('the first network gets 172.17.0.0/16, with nothing skipped', () => {
    assert.deepEqual(selectSubnet(), { subnet: '172.17.0.0/16', pool: { base: '172.17.0.0/16', size: 16 }, skipped: [] });
    assert.equal(selectSubnet({}).subnet, '172.17.0.0/16');
  });

  test('successive networks: 172.17–172.31 as /16, then 192.168.0.0/16 as /20, then exhaustion', () => {
    const held: string[] = [];
    for (let i = 0; i < 31; i++) held.push(selectSubnet({ held }).subnet);
    const want = [
      ...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`),
      ...Array.from({ length: 16 }, (_, i) => `192.168.${16 * i}.0/20`),
    ];
    assert.deepEqual(held, want);
    assertConflict(() => selectSubnet({ held }), 'no free IPv4 subnet', 'subnet 172.17.0.0/16 held by tsnet', 'and 28 more');
  });

  test('a freed subnet is reused first (lowest free block, not round robin)', () => {
    assert.equal(selectSubnet({ held: ['172.18.0.0/16', '172.19.0.0/16'] }).subnet, '172.17.0.0/16');
    assert.equal(selectSubnet({ held: ['172.17.0.0/16', '172.19.0.0/16'] }).subnet, '172.18.0.0/16');
  });
});

describe('selectSubnet: what is skipped', () => {
  test('with a route to 172.17.0.0/16 already present, --subnet auto picks 172.18.0.0/16', () => {
    assert.deepEqual(selectSubnet({ routes: [{ cidr: '172.17.0.0/16', name: 'eth1' }] }), {
      subnet: '172.18.0.0/16',
      pool: { base: '172.18.0.0/16', size: 16 },
      skipped: [{ first: '172.17.0.0/16', blocks: 1, kind: 'route', obstacle: '172.17.0.0/16', reason: 'on-link route 172.17.0.0/16 dev eth1' }],
    });
  });

  test('an address on a host interface keeps out its whole network', () => {
    const got = selectSubnet({ addresses: [{ cidr: '172.17.5.9/24', name: 'eth0' }] });
    assert.equal(got.subnet, '172.18.0.0/16');
    assert.deepEqual(got.skipped, [
      { first: '172.17.0.0/16', blocks: 1, kind: 'address', obstacle: '172.17.5.0/24', reason: 'host address 172.17.5.9/24 on eth0 (network 172.17.5.0/24)' },
    ]);
    // A host route (/32 address) inside a pool still blocks the block that contains it.
    assert.equal(selectSubnet({ addresses: ['172.17.255.255/32'] }).subnet, '172.18.0.0/16');
    // The network is what counts: 10.0.2.15/24 is nowhere near the pools.
    assert.equal(selectSubnet({ addresses: ['10.0.2.15/24', '127.0.0.1/8'] }).subnet, '172.17.0.0/16');
  });

  test('a block containing a nameserver is skipped; one outside the pools changes nothing', () => {
    const got = selectSubnet({ nameservers: ['172.17.0.53'] });
    assert.equal(got.subnet, '172.18.0.0/16');
    assert.deepEqual(got.skipped, [{ first: '172.17.0.0/16', blocks: 1, kind: 'nameserver', obstacle: '172.17.0.53/32', reason: 'nameserver 172.17.0.53' }]);
    assert.equal(selectSubnet({ nameservers: ['172.16.255.255', '127.0.0.53', '8.8.8.8', '2001:db8::1', 'fe80::1%eth0'] }).subnet, '172.17.0.0/16');
  });

  test('subnets held by tsnet are skipped, named by their network', () => {
    const got = selectSubnet({ held: [{ cidr: '172.17.0.0/16', name: 'tsnet0' }, '172.18.0.0/16'] });
    assert.equal(got.subnet, '172.19.0.0/16');
    assert.deepEqual(got.skipped.map((s) => s.reason), ['tsnet network tsnet0 (172.17.0.0/16)', 'subnet 172.18.0.0/16 held by tsnet']);
  });

  test('boundaries are exact: neighbours of a pool block do not block it', () => {
    assert.equal(selectSubnet({ routes: ['172.16.0.0/16', '172.18.0.0/16'], held: ['172.16.255.0/24'] }).subnet, '172.17.0.0/16');
    assert.equal(selectSubnet({ routes: ['172.16.255.255/32'] }).subnet, '172.17.0.0/16');
    assert.equal(selectSubnet({ routes: ['172.18.0.0/32'] }).subnet, '172.17.0.0/16');
    // A single address on the first or last address of a block still blocks it.
    assert.equal(selectSubnet({ nameservers: ['172.17.0.0'] }).subnet, '172.18.0.0/16');
    assert.equal(selectSubnet({ routes: ['172.17.0.0/32'], nameservers: ['172.18.255.255'] }).subnet, '172.19.0.0/16');
  });

  test('a route covering all the /16 pools (172.16.0.0/12) falls through to 192.168.0.0/20', () => {
    const got = selectSubnet({ routes: [{ cidr: '172.16.0.0/12', name: 'tun0' }] });
    assert.equal(got.subnet, '192.168.0.0/20');
    assert.deepEqual(got.pool, { base: '192.168.0.0/16', size: 20 });
    // One record per pool, all blaming the route; 15 /16 blocks in all.
    assert.deepEqual(got.skipped.map((s) => [s.first, s.blocks]), [
      ['172.17.0.0/16', 1],
      ['172.18.0.0/16', 1],
      ['172.19.0.0/16', 1],
      ['172.20.0.0/16', 4],
      ['172.24.0.0/16', 4],
      ['172.28.0.0/16', 4],
    ]);
    assert.ok(got.skipped.every((s) => s.kind === 'route' && s.obstacle === '172.16.0.0/12' && s.reason === 'on-link route 172.16.0.0/12 dev tun0'));
  });

  test('a /24 route inside 192.168.0.0/20 skips just that /20', () => {
    const got = selectSubnet({ routes: ['172.16.0.0/12', { cidr: '192.168.5.0/24', name: 'wlan0' }] });
    assert.equal(got.subnet, '192.168.16.0/20');
    assert.deepEqual(got.skipped.at(-1), { first: '192.168.0.0/20', blocks: 1, kind: 'route', obstacle: '192.168.5.0/24', reason: 'on-link route 192.168.5.0/24 dev wlan0' });
  });

  test('a typical home LAN on 192.168.0.0/16 and docker0 still present: next free /16', () => {
    const got = selectSubnet({
      routes: ['192.168.1.0/24', '172.17.0.0/16'],
      addresses: ['192.168.1.23/24', '172.17.0.1/16'],
      nameservers: ['192.168.1.1'],
    });
    assert.equal(got.subnet, '172.18.0.0/16');
  });

  test('overlapping obstacles: the jump goes past the one that reaches furthest', () => {
    const got = selectSubnet({
      pools: [{ base: '10.0.0.0/16', size: 24 }],
      routes: ['10.0.0.0/24'],
      addresses: ['10.0.0.5/22'],
      held: ['10.0.4.0/25', '10.0.5.0/24'],
      nameservers: ['10.0.4.200'],
    });
    assert.equal(got.subnet, '10.0.6.0/24');
    assert.deepEqual(got.skipped.map((s) => [s.first, s.blocks, s.kind]), [
      ['10.0.0.0/24', 4, 'address'],
      ['10.0.4.0/24', 1, 'held'],
      ['10.0.5.0/24', 1, 'held'],
    ]);
  });

  test('the default route is ignored, as Docker does; other families are ignored', () => {
    assert.equal(selectSubnet({ routes: ['0.0.0.0/0', '::/0', 'fd00::/8'], addresses: ['fd00::1/64'] }).subnet, '172.17.0.0/16');
  });

  test('malformed obstacles are EINVAL naming the value and what it was', () => {
    assertInvalid(() => selectSubnet({ routes: ['172.17.0.0'] }), 'on-link route "172.17.0.0"');
    assertInvalid(() => selectSubnet({ addresses: ['eth0'] }), 'host address "eth0"');
    assertInvalid(() => selectSubnet({ nameservers: ['dns.example'] }), 'nameserver "dns.example"');
    assertInvalid(() => selectSubnet({ held: ['172.17.0.0/40'] }), 'subnet held by tsnet "172.17.0.0/40"');
  });
});

describe('selectSubnet: pools and sizes', () => {
  test('user pools are walked in address order whatever order they are listed in', () => {
    const pools = [{ base: '192.168.0.0/16', size: 24 }, { base: '10.10.0.0/16', size: 24 }];
    assert.deepEqual(selectSubnet({ pools }).pool, { base: '10.10.0.0/16', size: 24 });
    assert.equal(selectSubnet({ pools, routes: ['10.10.0.0/16'] }).subnet, '192.168.0.0/24');
  });

  test('invalid user pools are EINVAL', () => {
    assertInvalid(() => selectSubnet({ pools: [{ base: '10.0.0.0/8', size: 31 }] }), 'size 31');
    assertInvalid(() => selectSubnet({ pools: [] }), 'no IPv4 address pools');
  });

  test('a size request re-splits pools that are big enough and skips the others (Docker --subnet 0.0.0.0/24)', () => {
    assert.equal(selectSubnet({ size: 24 }).subnet, '172.17.0.0/24');
    assert.equal(selectSubnet({ size: 24, held: ['172.17.0.0/24', '172.17.1.0/25'] }).subnet, '172.17.2.0/24');
    assert.equal(selectSubnet({ size: 15 }).subnet, '172.20.0.0/15');
    assert.equal(selectSubnet({ size: 15, routes: ['172.20.0.0/16', '172.24.0.0/14'] }).subnet, '172.22.0.0/15');
    assertInvalid(() => selectSubnet({ size: 12 }), 'no IPv4 address pool can hold a /12', '172.28.0.0/14 as /16');
    assertInvalid(() => selectSubnet({ size: 31 }), '/31', '1-30');
    assertInvalid(() => selectSubnet({ size: 0 }), '/0');
  });

  test('IPv6: no default pools; a configured pool works the same way, IPv4 obstacles ignored', () => {
    assertInvalid(() => selectSubnet({ family: 6 }), 'no IPv6 address pools');
    const got = selectSubnet({
      family: 6,
      pools: [...[{ base: '172.17.0.0/16', size: 16 }], { base: 'fd12:3456:789a::/48', size: 64 }],
      held: ['fd12:3456:789a::/64', '172.17.0.0/16'],
      nameservers: ['fd12:3456:789a:1::53', '10.0.0.1'],
    });
    assert.equal(got.subnet, 'fd12:3456:789a:2::/64');
    assert.deepEqual(got.pool, { base: 'fd12:3456:789a::/48', size: 64 });
  });
});

describe('selectSubnet: exhaustion', () => {
  test('names every pool tried and the obstacles that blocked most, in one line', () => {
    const err = assertConflict(
      () => selectSubnet({ routes: [{ cidr: '172.16.0.0/12', name: 'tun0' }, { cidr: '192.168.0.0/16', name: 'eth0' }] }),
      'no free IPv4 subnet left in the address pools',
      '172.17.0.0/16 as /16, 172.18.0.0/16 as /16, 172.19.0.0/16 as /16, 172.20.0.0/14 as /16, 172.24.0.0/14 as /16, 172.28.0.0/14 as /16, 192.168.0.0/16 as /20',
      'on-link route 192.168.0.0/16 dev eth0, on-link route 172.16.0.0/12 dev tun0',
      'configure more address pools',
    );
    assert.equal(err.exitStatus, 4);
    assert.equal((err.detail?.pools as string[]).length, 7);
    assert.equal((err.detail?.skipped as unknown[]).length, 7);
  });

  test('more than three obstacles are summarised', () => {
    const held = Array.from({ length: 6 }, (_, i) => `10.0.${i}.0/24`);
    assertConflict(
      () => selectSubnet({ pools: [{ base: '10.0.0.0/22', size: 24 }], held }),
      'every block overlaps subnet 10.0.0.0/24 held by tsnet, subnet 10.0.1.0/24 held by tsnet, subnet 10.0.2.0/24 held by tsnet and 1 more;',
    );
  });

  test('with a size request, the size is in the message', () => {
    const err = assertConflict(() => selectSubnet({ size: 14, routes: ['172.16.0.0/12'] }), 'no free /14 IPv4 subnet', 'pools 172.20.0.0/14 as /14, 172.24.0.0/14 as /14, 172.28.0.0/14 as /14:');
    assert.ok(!err.message.includes('172.17.0.0/16'), 'pools too small for the size were not tried');
  });
});

// Jumping shows in the result: one skipped entry covers 2^21 blocks. (No timing asserts in
// tests: the machine is shared and a wall-clock bound fails under load, not on a regression.)
describe('selectSubnet: efficiency (jumps, never enumerates)', () => {
  test('10.0.0.0/8 in /30 blocks behind 10.0.0.0/9 returns 10.128.0.0/30 in one jump', () => {
    const got = selectSubnet({ pools: [{ base: '10.0.0.0/8', size: 30 }], routes: ['10.0.0.0/9'] });
    assert.equal(got.subnet, '10.128.0.0/30');
    assert.deepEqual(got.skipped, [{ first: '10.0.0.0/30', blocks: 2 ** 21, kind: 'route', obstacle: '10.0.0.0/9', reason: 'on-link route 10.0.0.0/9' }]);
  });

  test('a whole /8 of /30 blocks blocked: exhaustion names the pool', () => {
    assertConflict(() => selectSubnet({ pools: [{ base: '10.0.0.0/8', size: 30 }], routes: ['10.0.0.0/8'] }), '10.0.0.0/8 as /30');
  });

  test('20000 held /30s, given in reverse order: one linear sweep', () => {
    const held = Array.from({ length: 20000 }, (_, i) => `10.${(i >> 14) & 0xff}.${(i >> 6) & 0xff}.${(i & 0x3f) * 4}/30`).reverse();
    const got = selectSubnet({ pools: [{ base: '10.0.0.0/8', size: 30 }], held });
    // 20000 × 4 addresses = 0x13880 → 10.1.56.128.
    assert.equal(got.subnet, '10.1.56.128/30');
    assert.equal(got.skipped.length, 20000);
  });

  test('IPv6 /64s out of a /32 behind a /33 — 2^31 blocks jumped in one step', () => {
    const got = selectSubnet({ family: 6, pools: [{ base: '2001:db8::/32', size: 64 }], routes: ['2001:db8::/33'] });
    assert.equal(got.subnet, '2001:db8:8000::/64');
    assert.equal(got.skipped[0]?.blocks, 2 ** 31);
  });
});

describe('selectSubnet: agrees with brute force', () => {
  test('random pools and obstacles: same block as testing every block in order', () => {
    // xorshift32, fixed seed: reproducible.
    let seed = 0x9e3779b9;
    const rnd = (n: number): number => {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      return seed % n;
    };
    const ip = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
    const base = 0x0a000000; // everything lives in 10.0.0.0/16
    for (let round = 0; round < 400; round++) {
      // Two disjoint pools: 10.0.0.0/18 and 10.0.128.0/18, random block sizes.
      const pools = [
        { base: '10.0.128.0/18', size: 18 + rnd(9) },
        { base: '10.0.0.0/18', size: 18 + rnd(9) },
      ];
      const obstacle = (): { start: number; len: number } => {
        const prefix = 17 + rnd(16);
        const len = 2 ** (32 - prefix);
        const start = base + Math.floor(rnd(0x10000) / len) * len;
        return { start, len };
      };
      const routes: string[] = [];
      const held: string[] = [];
      const nameservers: string[] = [];
      const ranges: Array<{ start: number; len: number }> = [];
      for (let k = rnd(12); k > 0; k--) {
        const o = obstacle();
        ranges.push(o);
        const cidr = `${ip(o.start)}/${32 - Math.log2(o.len)}`;
        (rnd(2) ? routes : held).push(cidr);
      }
      for (let k = rnd(3); k > 0; k--) {
        const n = base + rnd(0x10000);
        ranges.push({ start: n, len: 1 });
        nameservers.push(ip(n));
      }
      // Brute force: pools in address order, every block in order, first that overlaps nothing.
      let want: string | undefined;
      for (const p of [pools[1]!, pools[0]!]) {
        const start = p.base === '10.0.0.0/18' ? base : base + 0x8000;
        const len = 2 ** (32 - p.size);
        for (let b = start; b < start + 0x4000 && want === undefined; b += len) {
          if (!ranges.some((r) => r.start < b + len && b < r.start + r.len)) want = `${ip(b)}/${p.size}`;
        }
        if (want !== undefined) break;
      }
      const input = { pools, routes, held, nameservers };
      if (want === undefined) {
        assertConflict(() => selectSubnet(input), 'no free IPv4 subnet');
      } else {
        const got = selectSubnet(input);
        assert.equal(got.subnet, want, JSON.stringify(input));
        // The skip records account for exactly the blocks passed over in the chosen pool.
        const num = (cidr: string): number => cidr.split('/')[0]!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
        const poolStart = num(got.pool.base);
        const inPool = got.skipped.filter((r) => num(r.first) >= poolStart && num(r.first) < poolStart + 0x4000);
        assert.equal(inPool.reduce((n, r) => n + r.blocks, 0), (num(want) - poolStart) / 2 ** (32 - got.pool.size), JSON.stringify(input));
      }
    }
  });
});

describe('checkExplicitSubnet', () => {
  const host = {
    routes: [{ cidr: '192.168.1.0/24', name: 'eth0' }, { cidr: '10.8.0.0/16', name: 'tun0' }],
    addresses: [{ cidr: '192.168.1.23/24', name: 'eth0' }, { cidr: '10.0.2.15/24', name: 'enp0s3' }],
    nameservers: ['172.30.0.53'],
    held: [{ cidr: '172.17.0.0/16', name: 'tsnet0' }, { cidr: '172.18.0.0/16', name: 'lab' }],
  };

  test('a free subnet is returned canonical', () => {
    assert.equal(checkExplicitSubnet('172.19.0.0/16', host), '172.19.0.0/16');
    assert.equal(checkExplicitSubnet('192.168.2.0/24', host), '192.168.2.0/24');
    assert.equal(checkExplicitSubnet('fd00:0:0:1::/64', host), 'fd00:0:0:1::/64');
    assert.equal(checkExplicitSubnet('10.9.0.0/16', {}), '10.9.0.0/16');
  });

  test('overlap with an on-link route is refused, naming the route (both directions of nesting)', () => {
    assertConflict(() => checkExplicitSubnet('192.168.1.0/24', host, { what: '--subnet' }), '--subnet 192.168.1.0/24 overlaps on-link route 192.168.1.0/24 dev eth0, host address 192.168.1.23/24 on eth0 (network 192.168.1.0/24)');
    assertConflict(() => checkExplicitSubnet('10.8.4.0/24', host), 'subnet 10.8.4.0/24 overlaps on-link route 10.8.0.0/16 dev tun0');
    assertConflict(() => checkExplicitSubnet('10.0.0.0/8', host), 'on-link route 10.8.0.0/16 dev tun0', 'host address 10.0.2.15/24 on enp0s3 (network 10.0.2.0/24)', '--subnet auto');
  });

  test('overlap with a host address network is refused even without a route', () => {
    assertConflict(() => checkExplicitSubnet('10.0.2.128/25', host), 'host address 10.0.2.15/24 on enp0s3 (network 10.0.2.0/24)');
  });

  test('overlap with a subnet tsnet holds is refused, naming the network', () => {
    const err = assertConflict(() => checkExplicitSubnet('172.18.5.0/24', host), 'subnet 172.18.5.0/24 overlaps tsnet network lab (172.18.0.0/16)');
    assert.deepEqual(err.detail, { subnet: '172.18.5.0/24', conflicts: [{ kind: 'held', cidr: '172.18.0.0/16', name: 'lab' }] });
    assertConflict(() => checkExplicitSubnet('172.16.0.0/12', { held: ['172.17.0.0/16'] }), 'subnet 172.17.0.0/16 held by tsnet');
  });

  test('a held network\'s own bridge route and address are the network: it is named once', () => {
    const withBridge = {
      routes: [{ cidr: '172.18.0.0/16', name: 'br-lab' }],
      addresses: [{ cidr: '172.18.0.1/16', name: 'br-lab' }, { cidr: '10.99.0.1/24', name: 'br-lab' }],
      held: [{ cidr: '172.18.0.0/16', name: 'lab', bridge: 'br-lab' }],
    };
    const err = assertConflict(() => checkExplicitSubnet('172.18.5.0/24', withBridge));
    assert.equal(err.message, 'subnet 172.18.5.0/24 overlaps tsnet network lab (172.18.0.0/16); choose a subnet that does not, or use --subnet auto');
    assert.deepEqual(err.detail, { subnet: '172.18.5.0/24', conflicts: [{ kind: 'held', cidr: '172.18.0.0/16', name: 'lab' }] });
    // An address someone added to the bridge outside the network's subnet is still its own obstacle.
    assertConflict(() => checkExplicitSubnet('10.99.0.0/16', withBridge), 'subnet 10.99.0.0/16 overlaps host address 10.99.0.1/24 on br-lab');
    // Without the bridge (callers that do not know it), the route and address are named as before.
    const { held: _, ...rest } = withBridge;
    assertConflict(() => checkExplicitSubnet('172.18.5.0/24', { ...rest, held: [{ cidr: '172.18.0.0/16', name: 'lab' }] }), 'on-link route 172.18.0.0/16 dev br-lab', 'tsnet network lab');
  });

  test('nameservers are not a conflict for an explicit subnet (Docker does not check them either)', () => {
    assert.equal(checkExplicitSubnet('172.30.0.0/16', host), '172.30.0.0/16');
  });

  test('many conflicts are summarised', () => {
    const held = Array.from({ length: 5 }, (_, i) => `10.${i}.0.0/16`);
    assertConflict(() => checkExplicitSubnet('10.0.0.0/13', { held }), 'and 2 more');
  });

  test('host bits: refused with the fix by default (as Docker does), normalised on request (--bip)', () => {
    assertInvalid(() => checkExplicitSubnet('10.1.1.1/16', {}), 'subnet "10.1.1.1/16" has host bits set', 'did you mean 10.1.0.0/16?');
    assert.equal(checkExplicitSubnet('172.19.0.1/16', host, { what: '--bip', hostBits: 'normalise' }), '172.19.0.0/16');
    assertConflict(() => checkExplicitSubnet('172.17.0.1/16', host, { what: '--bip', hostBits: 'normalise' }), '--bip 172.17.0.0/16 overlaps tsnet network tsnet0');
  });

  test('malformed, too small or special-purpose subnets are EINVAL naming the value', () => {
    assertInvalid(() => checkExplicitSubnet('10.0.0.0', {}, { what: '--subnet' }), '--subnet "10.0.0.0"', 'prefix');
    assertInvalid(() => checkExplicitSubnet('10.0.0.300/24', {}), '"10.0.0.300"');
    assertInvalid(() => checkExplicitSubnet('10.0.0.0/31', {}), '"10.0.0.0/31"', 'at most /30');
    assertInvalid(() => checkExplicitSubnet('10.0.0.0/32', {}), 'at most /30');
    assertInvalid(() => checkExplicitSubnet('fd00::/127', {}), 'at most /126');
    assertInvalid(() => checkExplicitSubnet('127.0.5.0/24', {}), '"127.0.5.0/24"', 'loopback');
    assertInvalid(() => checkExplicitSubnet('239.1.0.0/16', {}), 'multicast');
    assertInvalid(() => checkExplicitSubnet('0.0.0.0/0', {}), '"this network"');
  });

  test('obstacles of the other family do not conflict', () => {
    assert.equal(checkExplicitSubnet('fd00::/64', { routes: ['0.0.0.0/1'], held: ['172.17.0.0/16'] }), 'fd00::/64');
    assertConflict(() => checkExplicitSubnet('fd00::/64', { held: [{ cidr: 'fd00::/48', name: 'v6lab' }] }), 'tsnet network v6lab (fd00::/48)');
  });
});
