/**
 * Pins the exact nftables ruleset tsnet installs (the nftables backend): a change here
 * changes what users' hosts run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addPorts, baseRuleset, networkRuleset, networkTeardown, nftErrorMessage, nftInput, nftNetworkChains, removePorts } from '../../../src/nat/nft-rules.js';
import type { PortRecord } from '../../../src/state/ports.js';

const lab = { bridge: 'br-0123456789ab', subnet: '10.71.0.0/24', internal: false, ipMasq: true };
const ports: PortRecord[] = [
  { id: 1, attachmentId: 7, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.71.0.2', containerPort: 80 },
  { id: 2, attachmentId: 7, protocol: 'udp', hostIp: '10.250.0.1', hostPort: 5353, containerIp: '10.71.0.2', containerPort: 53 },
  { id: 3, attachmentId: 7, protocol: 'sctp', hostIp: '0.0.0.0', hostPort: 9000, containerIp: '10.71.0.2', containerPort: 9 },
];
const DECLARATIONS = [
  'add table inet tsnet',
  'add chain inet tsnet user',
  'add map inet tsnet inbound { type ifname : verdict; }',
  'add map inet tsnet egress { type ifname : verdict; }',
  'add set inet tsnet localnet { type ifname; }',
  'add map inet tsnet ports-any { type inet_proto . inet_service : ipv4_addr . inet_service; }',
  'add map inet tsnet ports-ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }',
];

describe('nftables rules', () => {
  test('the base: our own table, the user chain jumped to first, one DNAT rule per map', () => {
    assert.deepEqual(baseRuleset(), [
      ...DECLARATIONS,
      'add chain inet tsnet forward { type filter hook forward priority filter; policy accept; }',
      'flush chain inet tsnet forward',
      'add rule inet tsnet forward jump user',
      'add rule inet tsnet forward oifname vmap @inbound',
      'add rule inet tsnet forward iifname vmap @egress',
      'add chain inet tsnet input { type filter hook input priority filter; policy accept; }',
      'flush chain inet tsnet input',
      'add rule inet tsnet input iifname @localnet ip daddr 127.0.0.0/8 ct state new,invalid drop',
      'add chain inet tsnet published',
      'flush chain inet tsnet published',
      'add rule inet tsnet published dnat ip to ip daddr . meta l4proto . th dport map @ports-ip',
      'add rule inet tsnet published meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ports-any',
      'add chain inet tsnet prerouting { type nat hook prerouting priority dstnat; policy accept; }',
      'flush chain inet tsnet prerouting',
      'add rule inet tsnet prerouting ip daddr != 127.0.0.0/8 fib daddr type local jump published',
      'add chain inet tsnet output { type nat hook output priority -100; policy accept; }',
      'flush chain inet tsnet output',
      'add rule inet tsnet output fib daddr type local jump published',
    ]);
    assert.ok(!baseRuleset().includes('flush chain inet tsnet user'), 'the users\' chain is never flushed');
  });

  test('a routed network: chains reached through the bridge maps, its own postrouting chain', () => {
    const c = nftNetworkChains(lab.bridge);
    const id = c.inbound.slice(3);
    assert.match(id, /^[0-9a-f]{10}$/);
    assert.deepEqual(c, { inbound: `in-${id}`, egress: `out-${id}`, post: `post-${id}` });
    assert.notEqual(nftNetworkChains('br-other').inbound, c.inbound);
    assert.deepEqual(networkRuleset(lab), [
      `add chain inet tsnet ${c.inbound}`, `flush chain inet tsnet ${c.inbound}`,
      `add rule inet tsnet ${c.inbound} ct state established,related accept`,
      `add rule inet tsnet ${c.inbound} ct status dnat accept`,
      `add rule inet tsnet ${c.inbound} iifname "br-0123456789ab" return`,
      `add rule inet tsnet ${c.inbound} drop`,
      `add chain inet tsnet ${c.egress}`, `flush chain inet tsnet ${c.egress}`,
      `add rule inet tsnet ${c.egress} oifname "br-0123456789ab" accept`,
      `add rule inet tsnet ${c.egress} accept`,
      `add element inet tsnet inbound { "br-0123456789ab" : jump ${c.inbound} }`,
      `add element inet tsnet egress { "br-0123456789ab" : jump ${c.egress} }`,
      `add chain inet tsnet ${c.post} { type nat hook postrouting priority srcnat; policy accept; }`, `flush chain inet tsnet ${c.post}`,
      `add rule inet tsnet ${c.post} ip saddr 10.71.0.0/24 oifname != "br-0123456789ab" masquerade`,
      `add rule inet tsnet ${c.post} ip saddr 10.71.0.0/24 oifname "br-0123456789ab" ct status dnat masquerade`,
      `add rule inet tsnet ${c.post} ip saddr 127.0.0.0/8 oifname "br-0123456789ab" masquerade`,
      'add element inet tsnet localnet { "br-0123456789ab" }',
    ]);
  });

  test('internal networks: no published ports, no NAT, egress dropped; ip-masq=false keeps hairpin and loopback', () => {
    const internal = networkRuleset({ ...lab, internal: true });
    assert.ok(!internal.some((l) => /dnat|masquerade|localnet/.test(l)));
    assert.ok(internal.includes(`add rule inet tsnet ${nftNetworkChains(lab.bridge).egress} drop`));
    const noMasq = networkRuleset({ ...lab, ipMasq: false });
    assert.ok(!noMasq.some((l) => l.includes('oifname != ')));
    assert.equal(noMasq.filter((l) => l.endsWith('masquerade')).length, 2);
  });

  test('a dual-stack network: the inet table isolates IPv6 by interface already; its post chain masquerades the IPv6 subnet too', () => {
    const dual = networkRuleset({ ...lab, subnet6: 'fd10:71::/64' });
    const post = nftNetworkChains(lab.bridge).post;
    assert.deepEqual(dual.filter((l) => !networkRuleset(lab).includes(l)), [`add rule inet tsnet ${post} ip6 saddr fd10:71::/64 oifname != "${lab.bridge}" masquerade`]);
  });

  test('teardown adds every piece before deleting it, so it succeeds whatever is left', () => {
    const c = nftNetworkChains(lab.bridge);
    const t = networkTeardown(lab.bridge);
    assert.deepEqual(t.slice(0, DECLARATIONS.length), DECLARATIONS);
    assert.deepEqual(t.slice(DECLARATIONS.length), [
      `add chain inet tsnet ${c.inbound}`,
      `add chain inet tsnet ${c.egress}`,
      `add chain inet tsnet ${c.post} { type nat hook postrouting priority srcnat; policy accept; }`,
      `add element inet tsnet inbound { "br-0123456789ab" : jump ${c.inbound} }`,
      `add element inet tsnet egress { "br-0123456789ab" : jump ${c.egress} }`,
      'add element inet tsnet localnet { "br-0123456789ab" }',
      'delete element inet tsnet inbound { "br-0123456789ab" }',
      'delete element inet tsnet egress { "br-0123456789ab" }',
      'delete element inet tsnet localnet { "br-0123456789ab" }',
      `flush chain inet tsnet ${c.inbound}`, `delete chain inet tsnet ${c.inbound}`,
      `flush chain inet tsnet ${c.egress}`, `delete chain inet tsnet ${c.egress}`,
      `flush chain inet tsnet ${c.post}`, `delete chain inet tsnet ${c.post}`,
    ]);
  });

  test('published ports are map elements: one add per map, keyed by (host ip,) protocol and port', () => {
    assert.deepEqual(addPorts(ports), [
      'add element inet tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80, sctp . 9000 : 10.71.0.2 . 9 }',
      'add element inet tsnet ports-ip { 10.250.0.1 . udp . 5353 : 10.71.0.2 . 53 }',
    ]);
    assert.deepEqual(removePorts(ports.slice(0, 1)), [
      ...DECLARATIONS,
      'add element inet tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }',
      'delete element inet tsnet ports-any { tcp . 8080 }',
    ]);
    assert.deepEqual(addPorts([]), []);
    assert.equal(nftInput(['a', 'b']), 'a\nb\n');
  });

  test('nft errors become one line: the message and the command, with a hint when the table is gone', () => {
    const stderr = '/dev/stdin:1:1-60: Error: Could not process rule: No such file or directory\nadd element inet tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }\n^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n';
    assert.equal(nftErrorMessage(stderr, 1),
      'nft -f: Could not process rule: No such file or directory (in "add element inet tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }"); if the firewall was flushed, tsnet gc puts it back');
    assert.equal(nftErrorMessage('netlink: Error: cache initialization failed: Operation not permitted\n', 1), 'nft -f: cache initialization failed: Operation not permitted');
    assert.equal(nftErrorMessage('', 137), 'nft -f: exit status 137');
  });
});
