/**
 * names.test — PINS the deterministic kernel names.
 *
 * UPGRADE HAZARD: the literal names below are what tsnet has already created on users'
 * machines. Teardown and gc recompute them; if this test breaks, a change renamed every
 * interface tsnet ever made and existing attachments can no longer be found. Do not
 * "update the expected values" — restore the derivation instead (or write a migration).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  IFNAMSIZ_MAX,
  NAME_PREFIX,
  hostIfName,
  ownedPrefix,
  rootTag,
  shortHash,
  validateIfName,
  validateNetnsName,
} from '../../../src/core/names.js';
import { assertInvalid } from '../../helpers/assert.js';


describe('pinned names (changing these breaks upgrades)', () => {
  test('constants', () => {
    assert.equal(NAME_PREFIX, 'tsn');
    assert.equal(IFNAMSIZ_MAX, 15);
  });

  test('hostIfName', () => {
    assert.equal(hostIfName('root-a', 'netns:web', 'eth1'), 'tsne14a447fb500');
    assert.equal(hostIfName('root-b', 'netns:web', 'eth1'), 'tsn5ec5447fb500');
    assert.equal(hostIfName('root-a', 'netns:web', 'eth2'), 'tsne14a9c857094');
    assert.equal(hostIfName('root-a', 'pid:1234', 'eth1'), 'tsne14a2c652128');
    assert.equal(hostIfName('/var/lib/tsnet', 'container:db', 'eth0'), 'tsn7797c65c54d7');
  });

  test('rootTag and ownedPrefix', () => {
    assert.equal(rootTag('root-a'), 'e14a');
    assert.equal(rootTag('root-b'), '5ec5');
    assert.equal(rootTag('/var/lib/tsnet'), '7797');
    assert.equal(ownedPrefix('root-a'), 'tsne14a');
    assert.equal(ownedPrefix('/var/lib/tsnet'), 'tsn7797');
  });

  test('shortHash is sha256 over NUL-joined parts', () => {
    // sha256("if\0netns:web\0eth1") starts with 447fb500 (see hostIfName above).
    assert.equal(shortHash(['if', 'netns:web', 'eth1'], 8), '447fb500');
    assert.equal(shortHash(['root', 'root-a'], 4), 'e14a');
    // NUL separation: ['ab','c'] and ['a','bc'] must not collide.
    assert.notEqual(shortHash(['ab', 'c'], 16), shortHash(['a', 'bc'], 16));
    assert.equal(shortHash(['x'], 64).length, 64);
  });
});

describe('hostIfName properties', () => {
  const samples: Array<[string, string, string]> = [
    ['root-a', 'netns:web', 'eth1'],
    ['', '', ''],
    ['/a/very/long/state/root/path/that/goes/on/and/on', 'container:' + 'x'.repeat(200), 'eth15chars_xxxx'],
    ['r', 'pid:1', 'e'],
    ['ünïcode', 'netns:ü', 'eth0'],
  ];

  test('exactly 15 characters, tsn prefix, the owned prefix of its root, valid for the kernel', () => {
    for (const [root, guest, ctr] of samples) {
      const n = hostIfName(root, guest, ctr);
      assert.equal(n.length, 15, n);
      assert.equal(Buffer.byteLength(n), 15, n);
      assert.ok(n.startsWith('tsn'), n);
      assert.ok(n.startsWith(ownedPrefix(root)), n);
      assert.match(n, /^tsn[0-9a-f]{12}$/);
      assert.equal(validateIfName(n), n);
    }
  });

  test('deterministic', () => {
    assert.equal(hostIfName('root-a', 'netns:web', 'eth1'), hostIfName('root-a', 'netns:web', 'eth1'));
  });

  test('different roots give different names for the same guest and interface', () => {
    const names = new Set(['root-a', 'root-b', 'root-c', '/var/lib/tsnet', '/var/lib/tsnet2'].map((r) => hostIfName(r, 'netns:web', 'eth1')));
    assert.equal(names.size, 5);
  });

  test('different guests or container interfaces give different names', () => {
    const names = new Set<string>();
    for (const g of ['netns:web', 'netns:db', 'pid:1', 'container:web']) {
      for (const i of ['eth0', 'eth1', 'eth2']) names.add(hostIfName('root-a', g, i));
    }
    assert.equal(names.size, 12);
  });
});

describe('validateIfName', () => {
  test('accepts 1 to 15 bytes of the allowed characters', () => {
    for (const n of ['a', 'eth0', 'br-lab', 'veth_1.2', 'a@b', 'xy=z', 'a-', 'a'.repeat(15), '123']) {
      assert.equal(validateIfName(n), n);
    }
  });

  test('rejects 16 bytes and more, naming length and limit', () => {
    assertInvalid(() => validateIfName('a'.repeat(16)), `"${'a'.repeat(16)}"`, 'is 16 characters', 'at most 15');
    assertInvalid(() => validateIfName('b'.repeat(40), '-l'), '-l "', 'is 40 characters');
  });

  test('counts bytes, not UTF-16 units', () => {
    // 8 characters, 16 bytes: too long for IFNAMSIZ even though .length is 8.
    assertInvalid(() => validateIfName('éééééééé'), 'is 16 characters');
  });

  test('rejects empty, ".", "..", "/", ":", whitespace and other characters', () => {
    for (const n of ['', '.', '..', 'a/b', 'eth0:1', 'a b', 'a\tb', 'a\nb', 'é', 'a*b', 'a$b']) {
      assertInvalid(() => validateIfName(n), `"${n}"`, 'not a valid interface name');
    }
  });

  test("rejects '+' (iptables' wildcard) and a leading '-' (read as an option)", () => {
    for (const n of ['eth+', 'x+y', '+', '-eth0', '-j']) assertInvalid(() => validateIfName(n), `"${n}"`, 'not a valid interface name');
  });

  test('the label names the argument', () => {
    assertInvalid(() => validateIfName('a/b', 'bridge'), 'bridge "a/b"');
  });
});

describe('validateNetnsName', () => {
  test('accepts names up to 64 characters', () => {
    for (const n of ['blue', 'tsnet-t-1a2b', 'a.b_c+d=e', 'x'.repeat(64), '123']) assert.equal(validateNetnsName(n), n);
  });

  test('rejects path tricks, empty and too long', () => {
    for (const n of ['', '.', '..', 'a/b', '../x', 'a b', 'x'.repeat(65), 'a:b', 'a@b']) {
      assertInvalid(() => validateNetnsName(n), `netns name "${n}"`);
    }
  });
});
