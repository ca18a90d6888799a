/**
 * mac.test — MAC parsing and pipework's U:<string> derivation. The derivation must stay
 * byte-for-byte what pipework does (`echo $seed | md5sum` under dash, newline included, then
 * 02: and the first five hex byte pairs), or users moving from pipework get different MACs.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { macFromSeed, parseMac } from '../../../src/veth/mac.js';
import { assertInvalid } from '../../helpers/assert.js';


/**
 * pipeworkMac — the MAC pipework's own shell pipeline gives: its line
 * `echo $macunique|md5sum|sed 's/^\(..\)\(..\)\(..\)\(..\)\(..\).*$/02:\1:\2:\3:\4:\5/'`
 * run by /bin/sh (dash on Debian, as in pipework's #!/bin/sh).
 */
function pipeworkMac(seed: string): string {
  const r = spawnSync('/bin/sh', ['-c', "echo $1|md5sum|sed 's/^\\(..\\)\\(..\\)\\(..\\)\\(..\\)\\(..\\).*$/02:\\1:\\2:\\3:\\4:\\5/'", 'sh', seed], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
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
  test('pinned value: echo web-1 | md5sum = c60f6e095eff21f568d9ed5d31a5fee3', () => {
    assert.equal(macFromSeed('web-1'), '02:c6:0f:6e:09:5e');
  });

  test('matches pipework\'s own shell pipeline on plain, spaced, escaped and odd seeds', () => {
    for (const seed of ['web-1', 'db', 'a', 'a b', '  a   b  ', 'tab\there', 'container with spaces', 'ünïcödé', 'x'.repeat(1000), '@', 'U:nested',
      'a\\tb', 'q\\101z', 'q\\0101z', 'a\\01234', 'a\\1b', 'x\\cy', 'a\\\\b', 'a\\x41', 'a\\8', 'a\\e', 'end\\']) {
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

  test('an empty seed is an error; file name patterns are refused (pipework would expand them)', () => {
    assertInvalid(() => macFromSeed(''), 'U:');
    assertInvalid(() => macFromSeed('   '), 'U:');
    assertInvalid(() => macFromSeed('web*'), 'U:web*');
  });
});
