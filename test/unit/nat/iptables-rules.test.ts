/**
 * Pins the exact firewall rules tsnet installs: a change here changes what users' hosts run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseRules, baseTeardownRules, networkChains, networkRules, restoreInput, teardownRules } from '../../../src/nat/iptables-rules.js';

const lab = { bridge: 'br-0123456789ab', subnet: '10.71.0.0/24', internal: false, ipMasq: true };

describe('iptables rules', () => {
  test('chain names are stable and within iptables limits', () => {
    const c = networkChains('br-0123456789ab');
    assert.deepEqual(c, networkChains('br-0123456789ab'));
    for (const name of Object.values(c)) assert.ok(name.length <= 28, name);
    assert.match(c.inbound, /^TSNET-I-[0-9a-f]{10}$/);
    assert.notDeepEqual(networkChains('br-other'), c);
  });

  test('a routed network: replies and published ports in, members to each other, out anywhere, masqueraded', () => {
    const c = networkChains(lab.bridge);
    const r = networkRules(lab);
    assert.deepEqual(r.filter, [
      `:${c.inbound} - [0:0]`,
      `:${c.egress} - [0:0]`,
      `-A TSNET-INBOUND -o br-0123456789ab -j ${c.inbound}`,
      `-A TSNET-EGRESS -i br-0123456789ab -j ${c.egress}`,
      `-A ${c.inbound} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${c.inbound} -m conntrack --ctstate DNAT -j ACCEPT`,
      `-A ${c.inbound} -i br-0123456789ab -j RETURN`,
      `-A ${c.inbound} -j DROP`,
      `-A ${c.egress} -o br-0123456789ab -j ACCEPT`,
      `-A ${c.egress} -j ACCEPT`,
      '-A TSNET-INPUT -d 127.0.0.0/8 -i br-0123456789ab -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP',
    ]);
    assert.deepEqual(r.nat, [
      `:${c.masq} - [0:0]`,
      `-A TSNET-POSTROUTING -j ${c.masq}`,
      `-A ${c.masq} -s 10.71.0.0/24 ! -o br-0123456789ab -j MASQUERADE`,
      `-A ${c.masq} -s 10.71.0.0/24 -o br-0123456789ab -m conntrack --ctstate DNAT -j MASQUERADE`,
      `-A ${c.masq} -s 127.0.0.0/8 -o br-0123456789ab -j MASQUERADE`,
    ]);
  });

  test('internal networks drop egress and are never masqueraded; ip-masq=false keeps only hairpin and loopback NAT', () => {
    const internal = networkRules({ ...lab, internal: true });
    assert.equal(internal.filter.at(-1), `-A ${networkChains(lab.bridge).egress} -j DROP`);
    assert.ok(!internal.filter.some((l) => l.includes('DNAT')), 'nothing is published into an internal network');
    assert.deepEqual(internal.nat, []);
    assert.ok(!networkRules({ ...lab, ipMasq: false }).nat.some((l) => l.includes('! -o')));
    assert.equal(networkRules({ ...lab, ipMasq: false }).nat.length, 4);
  });

  test('a dual-stack network: the same layout in ip6tables for the IPv6 subnet, without the 127.0.0.0/8 pieces', () => {
    const dual = { ...lab, subnet6: 'fd10:71::/64' };
    const c = networkChains(lab.bridge);
    const v6 = networkRules(dual, 6);
    assert.deepEqual(v6.filter, networkRules(dual, 4).filter.filter((l) => !l.includes('127.0.0.0/8')));
    assert.deepEqual(v6.nat, [
      `:${c.masq} - [0:0]`,
      `-A TSNET-POSTROUTING -j ${c.masq}`,
      `-A ${c.masq} -s fd10:71::/64 ! -o br-0123456789ab -j MASQUERADE`,
      `-A ${c.masq} -s fd10:71::/64 -o br-0123456789ab -m conntrack --ctstate DNAT -j MASQUERADE`,
    ]);
    assert.deepEqual(networkRules(lab, 6), { filter: [], nat: [] }, 'an IPv4-only network has no IPv6 rules');
    assert.ok(baseRules('nat', '', 6).includes('-A PREROUTING -m addrtype --dst-type LOCAL -j TSNET'));
  });

  test('base chains are added only when missing, the user hook first', () => {
    assert.deepEqual(baseRules('filter', ''), [
      ':TSNET-USER - [0:0]', ':TSNET-FORWARD - [0:0]', ':TSNET-INBOUND - [0:0]', ':TSNET-EGRESS - [0:0]', ':TSNET-INPUT - [0:0]',
      '-A INPUT -j TSNET-INPUT',
      '-A FORWARD -j TSNET-USER', '-A FORWARD -j TSNET-FORWARD', '-A TSNET-FORWARD -j TSNET-INBOUND', '-A TSNET-FORWARD -j TSNET-EGRESS',
    ]);
    const saved = [':TSNET-USER - [0:0]', ':TSNET-FORWARD - [0:0]', ':TSNET-INBOUND - [0:0]', ':TSNET-EGRESS - [0:0]', ':TSNET-INPUT - [0:0]',
      '-A INPUT -j TSNET-INPUT',
      '-A FORWARD -j TSNET-USER', '-A FORWARD -j TSNET-FORWARD', '-A TSNET-FORWARD -j TSNET-INBOUND', '-A TSNET-FORWARD -j TSNET-EGRESS'].join('\n');
    assert.deepEqual(baseRules('filter', saved), []);
    assert.deepEqual(baseRules('nat', ''), [
      ':TSNET - [0:0]', ':TSNET-POSTROUTING - [0:0]',
      '-A PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j TSNET',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j TSNET',
      '-A POSTROUTING -j TSNET-POSTROUTING',
    ]);
  });

  test('teardown removes exactly the jumps to and the chains of one network, from what is there', () => {
    const c = networkChains(lab.bridge);
    const other = networkChains('br-other');
    const saved = [
      `:${c.inbound} - [0:0]`, `:${c.egress} - [0:0]`, `:${other.inbound} - [0:0]`,
      `-A TSNET-INBOUND -o br-0123456789ab -j ${c.inbound}`, `-A TSNET-INBOUND -o br-other -j ${other.inbound}`,
      `-A TSNET-EGRESS -i br-0123456789ab -j ${c.egress}`, `-A ${c.inbound} -j DROP`, '-A FORWARD -j SOMEONE-ELSE',
      '-A TSNET-INPUT -d 127.0.0.0/8 -i br-0123456789ab -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP',
      '-A TSNET-INPUT -d 127.0.0.0/8 -i br-other -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP',
    ].join('\n');
    assert.deepEqual(teardownRules(lab.bridge, saved), [
      '-D TSNET-INPUT -d 127.0.0.0/8 -i br-0123456789ab -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP',
      `-D TSNET-INBOUND -o br-0123456789ab -j ${c.inbound}`, `-D TSNET-EGRESS -i br-0123456789ab -j ${c.egress}`,
      `-F ${c.inbound}`, `-F ${c.egress}`, `-X ${c.inbound}`, `-X ${c.egress}`,
    ]);
    assert.deepEqual(teardownRules(lab.bridge, ''), [], 'already gone: nothing to do');
  });

  test('base teardown keeps everything while TSNET-USER holds the users\' rules', () => {
    const saved = ':TSNET-USER - [0:0]\n:TSNET-FORWARD - [0:0]\n-A FORWARD -j TSNET-USER\n-A FORWARD -j TSNET-FORWARD\n';
    assert.deepEqual(baseTeardownRules('filter', saved), ['-D FORWARD -j TSNET-USER', '-D FORWARD -j TSNET-FORWARD', '-F TSNET-USER', '-F TSNET-FORWARD', '-X TSNET-USER', '-X TSNET-FORWARD']);
    assert.deepEqual(baseTeardownRules('filter', `${saved}-A TSNET-USER -s 10.9.9.9/32 -j DROP\n`), []);
  });

  test('restore input is one table transaction', () => {
    assert.equal(restoreInput('nat', ['-A X -j Y']), '*nat\n-A X -j Y\nCOMMIT\n');
  });
});
