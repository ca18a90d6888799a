/**
 * client-options.test — `dhcp[:OPTS]` parsing (bad values refused with one line naming
 * them), the pinned default client-id, and the routes a lease asks for.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertInvalid } from '../../helpers/assert.js';
import { clientIdentity, defaultClientId, defaultHostname, parseDhcpOptions } from '../../../src/dhcp/client-options.js';
import { leaseRoutes } from '../../../src/dhcp/apply-lease.js';
import type { BoundLease } from '../../../src/dhcp/client-machine.js';

describe('dhcp client options', () => {
  test('empty, -f (pipework), and every option', () => {
    assert.deepEqual(parseDhcpOptions(''), { timeoutMs: 30_000, extraParams: [] });
    assert.deepEqual(parseDhcpOptions('-f'), { timeoutMs: 30_000, extraParams: [] });
    assert.deepEqual(parseDhcpOptions('-f,timeout=2.5,hostname=web-1,client-id=abc:1,request=42+119'),
      { timeoutMs: 2500, hostname: 'web-1', clientId: 'abc:1', extraParams: [42, 119] });
  });

  test('bad options are refused, naming the bad token', () => {
    assertInvalid(() => parseDhcpOptions('-x'), 'unknown dhcp option "-x"');
    assertInvalid(() => parseDhcpOptions('bogus=1'), 'unknown dhcp option "bogus=1"');
    assertInvalid(() => parseDhcpOptions('timeout=0'), '"timeout=0"');
    assertInvalid(() => parseDhcpOptions('timeout=soon'), '"timeout=soon"');
    assertInvalid(() => parseDhcpOptions('hostname=-bad'), '"hostname=-bad"');
    assertInvalid(() => parseDhcpOptions('hostname=a b'), '"hostname=a b"');
    assertInvalid(() => parseDhcpOptions('client-id='), '"client-id="');
    assertInvalid(() => parseDhcpOptions('request=0'), '"request=0"');
    assertInvalid(() => parseDhcpOptions('request=255'), '"request=255"');
  });

  test('the default client-id is pinned (changing it changes every re-attached address)', () => {
    assert.equal(defaultClientId('netns:web', 'eth1'), defaultClientId('netns:web', 'eth1'));
    assert.notEqual(defaultClientId('netns:web', 'eth1'), defaultClientId('netns:web', 'eth2'));
    assert.match(defaultClientId('netns:web', 'eth1'), /^tsnet-[0-9a-f]{16}$/);
    assert.equal(defaultClientId('netns:web', 'eth1'), 'tsnet-a8e77b9ad89aaa2e');
    const id = clientIdentity('02:00:00:00:00:01', 'x', undefined, [42, 1]);
    assert.deepEqual([...id.clientId], [0, 0x78]);
    assert.ok(id.params.includes(42) && id.params.filter((p) => p === 1).length === 1);
  });

  test('default hostname: a netns or container name, not a pid or path', () => {
    assert.equal(defaultHostname('netns:web'), 'web');
    assert.equal(defaultHostname('container:db'), 'db');
    assert.equal(defaultHostname('pid:42'), undefined);
    assert.equal(defaultHostname('path:/proc/1/ns/net'), undefined);
  });

  test('lease routes: option 121 wins over the router option; 0.0.0.0 is on-link', () => {
    const base: BoundLease = { address: '10.0.0.5', prefix: 24, serverId: '10.0.0.1', leaseSecs: 60, t1Secs: 30, t2Secs: 52,
      routers: ['10.0.0.1'], dns: [], routes: [], boundAt: 0 };
    assert.deepEqual(leaseRoutes(base, 'eth1'), [{ family: 4, dst: 'default', gateway: '10.0.0.1', dev: 'eth1' }]);
    assert.deepEqual(leaseRoutes({ ...base, routers: [] }, 'eth1'), []);
    assert.deepEqual(leaseRoutes({ ...base, routes: [{ dst: '10.9.0.0/16', router: '0.0.0.0' }, { dst: '0.0.0.0/0', router: '10.0.0.254' }] }, 'eth1'), [
      { family: 4, dst: '10.9.0.0/16', dev: 'eth1', scope: 'link' },
      { family: 4, dst: 'default', dev: 'eth1', gateway: '10.0.0.254' },
    ]);
  });
});
