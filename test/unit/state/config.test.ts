/**
 * config.test — the state root's config.json: Docker's daemon.json spelling accepted as is,
 * every malformed file a one-line error naming the file; and the per-root ULA pool pinned
 * (changing it moves every auto IPv6 network).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/state/config.js';
import { ulaPool } from '../../../src/ipam/pools.js';
import { TsnetError } from '../../../src/core/errors.js';

function invalidWith(text: string, re: RegExp): void {
  assert.throws(() => parseConfig(text, '/r/config.json'), (e: unknown) => {
    assert.ok(e instanceof TsnetError);
    assert.equal(e.code, 'EINVAL');
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

test('default-address-pools in daemon.json form, IPv4 and IPv6', () => {
  const c = parseConfig('{"default-address-pools":[{"base":"10.200.0.0/16","size":24},{"base":"fd99::/48","size":64}]}');
  assert.deepEqual(c.defaultAddressPools, [{ base: '10.200.0.0/16', size: 24 }, { base: 'fd99::/48', size: 64 }]);
  assert.deepEqual(parseConfig('{}'), { defaultAddressPools: undefined });
});

test('malformed config files are one-line errors naming the file and the problem', () => {
  invalidWith('{"default-address-pools": [', /^\/r\/config\.json is not valid JSON/);
  invalidWith('[]', /must hold a JSON object/);
  invalidWith('{"default-address-pool": []}', /unknown setting "default-address-pool"/);
  invalidWith('{"default-address-pools": []}', /empty list/);
  invalidWith('{"default-address-pools": [{"base":"10.0.0.0/8","size":24},{"base":"10.1.0.0/16","size":24}]}', /overlaps pool #1/);
  invalidWith('{"default-address-pools": [{"base":"10.0.0.0/8"}]}', /default-address-pools/);
});

test('ulaPool: an RFC 4193 /48 per root, split in /64s, stable (pinned: changing it breaks upgrades)', () => {
  assert.deepEqual(ulaPool('root-a'), ulaPool('root-a'));
  assert.notDeepEqual(ulaPool('root-a'), ulaPool('root-b'));
  assert.match(ulaPool('root-a').base, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$/);
  assert.deepEqual(ulaPool('pinned'), { base: 'fd48:3aa4:28d9::/48', size: 64 });
});
