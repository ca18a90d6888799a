/**
 * mac.test — MAC parsing and pipework's U:<string> derivation. The derivation must stay
 * byte-for-byte what pipework does (`echo -n "$seed" | md5sum`, then 02: and the first five
 * hex byte pairs), or users moving from pipework get different MACs.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { macFromSeed, parseMac } from '../../../src/veth/mac.js';
import { assertInvalid } from '../../helpers/assert.js';


/** pipeworkMac — independent re-statement of pipework's sed over md5sum's output. */
function pipeworkMac(seed: string): string {
  const digest = createHash('md5').update(Buffer.from(seed, 'utf8')).digest();
  const pairs = [...digest.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'));
  return `02:${pairs.join(':')}`;
}

describe('parseMac', () => {
  test('accepts unicast MACs and normalises to lower case', () => {
    assert.equal(parseMac('02:42:ac:11:00:02'), '02:42:ac:11:00:02');
    assert.equal(parseMac('AA:BB:CC:DD:EE:FF'), 'aa:bb:cc:dd:ee:ff');
    assert.equal(parseMac('De:aD:bE:eF:00:01'), 'de:ad:be:ef:00:01');
    assert.equal(parseMac('00:00:00:00:00:01'), '00:00:00:00:00:01');
    assert.equal(parseMac('fe:ff:ff:ff:ff:ff'), 'fe:ff:ff:ff:ff:ff');
  });

  test('rejects multicast and broadcast (odd first octet)', () => {
    for (const m of ['01:00:5e:00:00:01', '33:33:00:00:00:01', 'ff:ff:ff:ff:ff:ff', '03:00:00:00:00:00', 'AB:cd:ef:01:02:03']) {
      assertInvalid(() => parseMac(m), `"${m}"`, 'multicast');
    }
  });

  test('rejects the all-zero MAC', () => {
    assertInvalid(() => parseMac('00:00:00:00:00:00'), '00:00:00:00:00:00', 'not usable');
  });

  test('rejects malformed text, naming it', () => {
    for (const m of [
      '',
      'aa:bb:cc:dd:ee',
      'aa:bb:cc:dd:ee:ff:00',
      'aa-bb-cc-dd-ee-ff',
      'aabb.ccdd.eeff',
      'aabbccddeeff',
      'a:b:c:d:e:f',
      'aa:bb:cc:dd:ee:f',
      'aa:bb:cc:dd:ee:fff',
      'gg:bb:cc:dd:ee:ff',
      ' aa:bb:cc:dd:ee:ff',
      'aa:bb:cc:dd:ee:ff ',
      'aa:bb:cc:dd:ee:ff\n',
      'aa:bb:cc:dd:ee:',
      'aa::cc:dd:ee:ff',
    ]) {
      assertInvalid(() => parseMac(m), `"${m}"`, 'aa:bb:cc:dd:ee:ff');
    }
  });
});

describe('macFromSeed (pipework U:<string>)', () => {
  test('pinned value: printf %s web-1 | md5sum = a2e3a94e0befb3546bfea8a1cb24ac48', () => {
    assert.equal(macFromSeed('web-1'), '02:a2:e3:a9:4e:0b');
  });

  test('pinned value: printf %s db | md5sum = d77d5e503ad1439f585ac494268b351b', () => {
    assert.equal(macFromSeed('db'), '02:d7:7d:5e:50:3a');
  });

  test('matches an independent md5 derivation on several seeds', () => {
    for (const seed of ['web-1', 'db', 'a', 'a b', 'container with spaces', 'ünïcödé', 'x'.repeat(1000), '@', 'U:nested']) {
      assert.equal(macFromSeed(seed), pipeworkMac(seed), `seed ${JSON.stringify(seed)}`);
    }
  });

  test('is stable, locally administered unicast, and valid for parseMac', () => {
    for (const seed of ['web-1', 'db', 'z']) {
      const mac = macFromSeed(seed);
      assert.equal(macFromSeed(seed), mac);
      assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
      assert.equal(parseMac(mac), mac);
    }
    assert.notEqual(macFromSeed('web-1'), macFromSeed('web-2'));
  });

  test('an empty seed is an error', () => {
    assertInvalid(() => macFromSeed(''), 'U:');
  });
});
