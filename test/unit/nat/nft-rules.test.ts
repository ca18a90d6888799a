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
  'add table ip tsnet',
  'add chain ip tsnet user',
  'add map ip tsnet inbound { type ifname : verdict; }',
  'add map ip tsnet egress { type ifname : verdict; }',
  'add set ip tsnet localnet { type ifname; }',
  'add map ip tsnet ports-any { type inet_proto . inet_service : ipv4_addr . inet_service; }',
  'add map ip tsnet ports-ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }',
];

describe('nftables rules', () => {
  test('the base: our own table, the user chain jumped to first, one DNAT rule per map', () => {
    assert.deepEqual(baseRuleset(), [
      ...DECLARATIONS,
      'add chain ip tsnet forward { type filter hook forward priority filter; policy accept; }',
      'flush chain ip tsnet forward',
      'add rule ip tsnet forward jump user',
      'add rule ip tsnet forward oifname vmap @inbound',
      'add rule ip tsnet forward iifname vmap @egress',
      'add chain ip tsnet input { type filter hook input priority filter; policy accept; }',
      'flush chain ip tsnet input',
      'add rule ip tsnet input iifname @localnet ip daddr 127.0.0.0/8 ct state new,invalid drop',
      'add chain ip tsnet published',
      'flush chain ip tsnet published',
      'add rule ip tsnet published dnat to ip daddr . meta l4proto . th dport map @ports-ip',
      'add rule ip tsnet published dnat to meta l4proto . th dport map @ports-any',
      'add chain ip tsnet prerouting { type nat hook prerouting priority dstnat; policy accept; }',
      'flush chain ip tsnet prerouting',
      'add rule ip tsnet prerouting ip daddr != 127.0.0.0/8 fib daddr type local jump published',
      'add chain ip tsnet output { type nat hook output priority -100; policy accept; }',
      'flush chain ip tsnet output',
      'add rule ip tsnet output fib daddr type local jump published',
    ]);
    assert.ok(!baseRuleset().includes('flush chain ip tsnet user'), 'the users\' chain is never flushed');
  });

  test('a routed network: chains reached through the bridge maps, its own postrouting chain', () => {
    const c = nftNetworkChains(lab.bridge);
    const id = c.inbound.slice(3);
    assert.match(id, /^[0-9a-f]{10}$/);
    assert.deepEqual(c, { inbound: `in-${id}`, egress: `out-${id}`, post: `post-${id}` });
    assert.notEqual(nftNetworkChains('br-other').inbound, c.inbound);
    assert.deepEqual(networkRuleset(lab), [
      `add chain ip tsnet ${c.inbound}`, `flush chain ip tsnet ${c.inbound}`,
      `add rule ip tsnet ${c.inbound} ct state established,related accept`,
      `add rule ip tsnet ${c.inbound} ct status dnat accept`,
      `add rule ip tsnet ${c.inbound} iifname "br-0123456789ab" return`,
      `add rule ip tsnet ${c.inbound} drop`,
      `add chain ip tsnet ${c.egress}`, `flush chain ip tsnet ${c.egress}`,
      `add rule ip tsnet ${c.egress} oifname "br-0123456789ab" accept`,
      `add rule ip tsnet ${c.egress} accept`,
      `add element ip tsnet inbound { "br-0123456789ab" : jump ${c.inbound} }`,
      `add element ip tsnet egress { "br-0123456789ab" : jump ${c.egress} }`,
      `add chain ip tsnet ${c.post} { type nat hook postrouting priority srcnat; policy accept; }`, `flush chain ip tsnet ${c.post}`,
      `add rule ip tsnet ${c.post} ip saddr 10.71.0.0/24 oifname != "br-0123456789ab" masquerade`,
      `add rule ip tsnet ${c.post} ip saddr 10.71.0.0/24 oifname "br-0123456789ab" ct status dnat masquerade`,
      `add rule ip tsnet ${c.post} ip saddr 127.0.0.0/8 oifname "br-0123456789ab" masquerade`,
      'add element ip tsnet localnet { "br-0123456789ab" }',
    ]);
  });

  test('internal networks: no published ports, no NAT, egress dropped; ip-masq=false keeps hairpin and loopback', () => {
    const internal = networkRuleset({ ...lab, internal: true });
    assert.ok(!internal.some((l) => /dnat|masquerade|localnet/.test(l)));
    assert.ok(internal.includes(`add rule ip tsnet ${nftNetworkChains(lab.bridge).egress} drop`));
    const noMasq = networkRuleset({ ...lab, ipMasq: false });
    assert.ok(!noMasq.some((l) => l.includes('oifname != ')));
    assert.equal(noMasq.filter((l) => l.endsWith('masquerade')).length, 2);
  });

  test('teardown adds every piece before deleting it, so it succeeds whatever is left', () => {
    const c = nftNetworkChains(lab.bridge);
    const t = networkTeardown(lab.bridge);
    assert.deepEqual(t.slice(0, DECLARATIONS.length), DECLARATIONS);
    assert.deepEqual(t.slice(DECLARATIONS.length), [
      `add chain ip tsnet ${c.inbound}`,
      `add chain ip tsnet ${c.egress}`,
      `add chain ip tsnet ${c.post} { type nat hook postrouting priority srcnat; policy accept; }`,
      `add element ip tsnet inbound { "br-0123456789ab" : jump ${c.inbound} }`,
      `add element ip tsnet egress { "br-0123456789ab" : jump ${c.egress} }`,
      'add element ip tsnet localnet { "br-0123456789ab" }',
      'delete element ip tsnet inbound { "br-0123456789ab" }',
      'delete element ip tsnet egress { "br-0123456789ab" }',
      'delete element ip tsnet localnet { "br-0123456789ab" }',
      `flush chain ip tsnet ${c.inbound}`, `delete chain ip tsnet ${c.inbound}`,
      `flush chain ip tsnet ${c.egress}`, `delete chain ip tsnet ${c.egress}`,
      `flush chain ip tsnet ${c.post}`, `delete chain ip tsnet ${c.post}`,
    ]);
  });

  test('published ports are map elements: one add per map, keyed by (host ip,) protocol and port', () => {
    assert.deepEqual(addPorts(ports), [
      'add element ip tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80, sctp . 9000 : 10.71.0.2 . 9 }',
      'add element ip tsnet ports-ip { 10.250.0.1 . udp . 5353 : 10.71.0.2 . 53 }',
    ]);
    assert.deepEqual(removePorts(ports.slice(0, 1)), [
      ...DECLARATIONS,
      'add element ip tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }',
      'delete element ip tsnet ports-any { tcp . 8080 }',
    ]);
    assert.deepEqual(addPorts([]), []);
    assert.equal(nftInput(['a', 'b']), 'a\nb\n');
  });

  test('nft errors become one line: the message and the command, with a hint when the table is gone', () => {
    const stderr = '/dev/stdin:1:1-60: Error: Could not process rule: No such file or directory\nadd element ip tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }\n^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n';
    assert.equal(nftErrorMessage(stderr, 1),
      'nft -f: Could not process rule: No such file or directory (in "add element ip tsnet ports-any { tcp . 8080 : 10.71.0.2 . 80 }"); if the firewall was flushed, tsnet gc puts it back');
    assert.equal(nftErrorMessage('netlink: Error: cache initialization failed: Operation not permitted\n', 1), 'nft -f: cache initialization failed: Operation not permitted');
    assert.equal(nftErrorMessage('', 137), 'nft -f: exit status 137');
  });
});
