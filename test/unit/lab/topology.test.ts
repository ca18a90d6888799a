/**
 * Lab topology files: parsing, the schema, cross-checks (each error names the line of the
 * key at fault), resolution (names, auto subnets and addresses, routes, VXLAN remotes),
 * reachability expectations, impairment commands and the graph. No root needed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLabText } from '../../../src/lab/topology-file';
import { resolveLab } from '../../../src/lab/topology';
import { pairPlans } from '../../../src/lab/reach';
import { qdiscCommands, describeImpairment } from '../../../src/tc/impairment';
import { toDot, toMermaid } from '../../../src/lab/graph';
import { diffModels } from '../../../src/lab/apply';
import { planText } from '../../../src/lab/plan-text';
import { TsnetError } from '../../../src/core/errors';

const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples', 'multi-host');
const example = (f: string) => resolveLab(parseLabText(readFileSync(join(EXAMPLES, f), 'utf8'), f));
const lab = (text: string) => resolveLab(parseLabText(text, 'lab.yaml'));

const BASE = `name: t
hosts:
  a:
    underlay: 10.100.0.1/24
    networks:
      br0: { subnet: 10.1.1.0/24 }
  b:
    underlay: 10.100.0.2/24
    networks:
      br0: { subnet: 10.1.2.0/24 }
nodes:
  n1: { host: a, attach: [br0 auto] }
  n2: { host: b, attach: [br0 auto] }
`;

function fails(text: string, re: RegExp): void {
  assert.throws(() => lab(text), (e: unknown) => {
    assert.ok(e instanceof TsnetError, String(e));
    assert.equal(e.code, 'EINVAL');
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

describe('lab topology: bad input names the line', () => {
  test('YAML syntax errors', () => fails('name: t\nhosts: [a\n', /^lab\.yaml:\d+: /));
  test('duplicate keys are YAML errors', () => fails(`${BASE}nodes:\n  x: { host: a }\n`, /lab\.yaml:14: Map keys must be unique/));
  test('unknown keys, at their line', () => fails(BASE.replace('  b:\n', '  b:\n    colour: red\n'), /^lab\.yaml:8: hosts\.b: unknown key "colour"$/));
  test('wrong types', () => fails(BASE.replace('underlay: 10.100.0.2/24', 'underlay: [1]'), /^lab\.yaml:8: hosts\.b\.underlay: expected string, got array$/));
  test('a node on a missing host', () => fails(BASE.replace('n2: { host: b', 'n2: { host: c'), /^lab\.yaml:13: nodes\.n2\.host: node n2 is on a missing host "c"/));
  test('duplicate names across hosts and nodes', () => fails(BASE.replace('n2: {', 'a: {'), /^lab\.yaml:13: nodes\.a: node "a" has the same name as hosts\.a/));
  test('overlapping routed subnets across hosts', () => fails(BASE.replace('10.1.2.0/24', '10.1.0.0/16'), /^lab\.yaml:10: hosts\.b\.networks\.br0\.subnet: subnet 10\.1\.0\.0\/16 overlaps a's br0 \(10\.1\.1\.0\/24\); routing needs them distinct/));
  test('a subnet overlapping the underlay', () => fails(BASE.replace('10.1.2.0/24', '10.100.0.0/25'), /overlaps the underlay 10\.100\.0\.0\/24 of host a/));
  test('a link to a missing node', () => fails(`${BASE}links:\n  - endpoints: ["n1:eth5", "n9:eth5"]\n`, /^lab\.yaml:15: links\.0\.endpoints\.1: link to a missing node "n9"$/));
  test('a link to a missing host', () => fails(`${BASE}links:\n  - hosts: [a, z]\n`, /^lab\.yaml:15: links\.0\.hosts\.1: link to a missing host "z"/));
  test('a VNI collision: one VNI, two subnets', () => fails(BASE.replace('br0: { subnet: 10.1.1.0/24 }', 'br0: { subnet: 10.1.1.0/24, vxlan: { vni: 7 } }').replace('br0: { subnet: 10.1.2.0/24 }', 'br0: { subnet: 10.1.2.0/24, vxlan: { vni: 7 } }'), /^lab\.yaml:6: hosts\.a\.networks\.br0\.vxlan\.vni: VNI 7 collides: b's br0 uses it for 10\.1\.2\.0\/24, here for 10\.1\.1\.0\/24$/));
  test('a VNI twice on one host', () => fails(BASE.replace('br0: { subnet: 10.1.1.0/24 }', 'br0: { subnet: 10.1.1.0/24, vxlan: { vni: 7 } }\n      br1: { subnet: 10.1.3.0/24, vxlan: { vni: 7 } }'), /^lab\.yaml:7: hosts\.a\.networks\.br1\.vxlan\.vni: VNI 7 is already used on host a/));
  test('an address outside its network', () => fails(BASE.replace('[br0 auto] }\n  n2', '["br0 10.9.9.9/24"] }\n  n2'), /^lab\.yaml:12: nodes\.n1\.attach\.0: address 10\.9\.9\.9\/24 is not in a's network br0/));
  test('the same address twice on a segment', () => fails(BASE.replace('[br0 auto] }\n  n2: { host: b', '["br0 10.1.1.1/24"] }\n  n2: { host: b'), /address 10\.1\.1\.1 is already the gateway of a's br0/));
  test('an attachment to a network its host lacks', () => fails(BASE.replace('[br0 auto] }\n  n2', '[br7] }\n  n2'), /host a has no network br7 \(br0\)/));
  test('a veth between nodes of two hosts', () => fails(`${BASE}links:\n  - endpoints: ["n1:eth5", "n2:eth5"]\n`, /on different hosts \(a, b\); join them through a network/));
  test('an impairment that is not one', () => fails(`${BASE}links:\n  - { hosts: [a, b], delay: fast }\n`, /^lab\.yaml:15: links\.0\.delay: delay is a time like 10ms$/));
  test('a container node without an image', () => fails(BASE.replace('n1: { host: a,', 'n1: { host: a, kind: container,'), /nodes\.n1\.image: a container node needs an image/));
});

describe('lab topology: resolution', () => {
  test('the seed scenario: a stretched subnet joined by /32 routes both ways', () => {
    const m = example('pipework-two-hosts.yaml');
    assert.deepEqual(m.hosts.map((h) => [h.name, h.netns, h.underlay.ip, h.underlay.link]), [['hostA', 'tsnet-two-hosts-hostA', '10.100.0.1', 'wire'], ['hostB', 'tsnet-two-hosts-hostB', '10.100.0.2', 'wire']]);
    assert.ok(m.networks.every((n) => n.stretched && n.gatewayCidr === '192.168.115.2/24'));
    assert.deepEqual(m.routes.map((r) => `${r.host}: ${r.dst} via ${r.via} dev ${r.dev}`).sort(), ['hostA: 192.168.115.11/32 via 10.100.0.2 dev eth0', 'hostB: 192.168.115.10/32 via 10.100.0.1 dev eth0']);
    const web = m.links.find((l) => l.name === 'web:eth1')!;
    assert.deepEqual(web.attach, { node: 'web', host: 'hostA', bridge: 'br0', ctrIf: 'eth1', cidrs: ['192.168.115.10/24'], gateway: '192.168.115.2', mac: undefined });
    assert.deepEqual(pairPlans(m, []).map((p) => `${p.from}>${p.to} ${p.ip} ${p.expected}`), ['web>db 192.168.115.11 true', 'db>web 192.168.115.10 true']);
    assert.deepEqual(pairPlans(m, ['wire']).map((p) => p.expected), [false, false], 'the wire down cuts both ways');
  });

  test('VXLAN: remotes are the other hosts of the VNI; auto addresses skip taken ones', () => {
    const m = example('vxlan-two-hosts.yaml');
    const br0 = m.networks.find((n) => n.host === 'hostA' && n.bridge === 'br0')!;
    assert.deepEqual(br0.vxlan, { vni: 42, port: 4789, device: 'vx42', remotes: [{ host: 'hostB', ip: '10.100.0.2' }] });
    assert.equal(br0.gatewayCidr, undefined);
    assert.equal(br0.mtu, 1450);
    assert.deepEqual(m.links.filter((l) => l.kind === 'attach').map((l) => `${l.name} ${l.attach!.cidrs}`), ['web:eth1 192.168.115.10/24', 'web:eth2 10.1.1.2/24', 'db:eth1 192.168.115.11/24', 'db:eth2 10.1.2.2/24']);
    assert.ok(pairPlans(m, []).every((p) => p.expected && p.ip.startsWith('192.168.115.')));
  });

  test('4 hosts × 5 nodes: one subnet route per other host, every pair expected', () => {
    const m = example('four-hosts.yaml');
    assert.equal(m.nodes.length, 20);
    assert.equal(m.routes.length, 12);
    const pairs = pairPlans(m, []);
    assert.equal(pairs.length, 380);
    assert.ok(pairs.every((p) => p.expected));
  });

  test('subnet: auto takes free /24s; --name and the netns prefix', () => {
    const m = resolveLab(parseLabText(BASE.replace('10.1.1.0/24', 'auto').replace('10.1.2.0/24', 'auto'), 'lab.yaml'), { name: 'x1', prefix: 'tsnet-t-9-' });
    assert.deepEqual(m.networks.map((n) => [n.subnet, n.gatewayCidr]), [['10.200.0.0/24', '10.200.0.1/24'], ['10.200.1.0/24', '10.200.1.1/24']]);
    assert.equal(m.nodes[0]!.netns, 'tsnet-t-9-x1-n1');
  });

  test('apply diff: an added node and a changed address, nothing else', () => {
    const a = lab(BASE);
    const b = lab(`${BASE.replace('n2: { host: b, attach: [br0 auto] }', 'n2: { host: b, attach: ["br0 10.1.2.50/24"] }')}  n3: { host: a, attach: [br0 auto] }\n`);
    const d = diffModels(a, b);
    assert.deepEqual(d.removed, ['link n2:eth1']);
    assert.deepEqual(d.added.sort(), ['link n2:eth1', 'link n3:eth1', 'node n3'].sort());
  });

  test('--dry-run plan per host', () => {
    const lines = planText(example('pipework-two-hosts.yaml'), 'hostB');
    assert.equal(lines[0], 'host hostB (this machine):');
    assert.ok(lines.includes('  3. route 192.168.115.10/32 via 10.100.0.1 dev eth0 (to hostA)'), lines.join('\n'));
    assert.ok(!lines.some((l) => /web/.test(l)), 'hostA\'s node is not in hostB\'s plan');
  });
});

describe('impairments', () => {
  test('a rate alone is a token bucket (or an HTB class)', () => {
    const del = 'qdisc del dev eth0 root';
    assert.deepEqual(qdiscCommands('eth0', { rate: '10mbit' }), [del, 'qdisc add dev eth0 root handle 1: tbf rate 10000000bit burst 12500 latency 50ms']);
    assert.deepEqual(qdiscCommands('eth0', { rate: '1mbit', shaper: 'htb' }), [del, 'qdisc add dev eth0 root handle 1: htb default 10', 'class add dev eth0 parent 1: classid 1:10 htb rate 1000000bit ceil 1000000bit']);
  });
  test('delay, jitter, loss and corruption are netem', () => {
    assert.deepEqual(qdiscCommands('eth1', { delay: '20ms', jitter: '5ms', loss: '1%', corrupt: '0.1%', rate: '5mbit' }), ['qdisc del dev eth1 root', 'qdisc add dev eth1 root handle 1: netem delay 20ms 5ms loss 1% corrupt 0.1% rate 5mbit']);
    assert.equal(describeImpairment({ delay: '20ms', jitter: '5ms', loss: '1%' }), 'delay 20ms±5ms loss 1%');
  });
  test('none clears the root qdisc', () => assert.deepEqual(qdiscCommands('eth0', undefined), ['qdisc del dev eth0 root']));
});

describe('graph', () => {
  test('DOT and Mermaid show hosts, bridges, nodes, addresses and impairments', () => {
    const m = example('vxlan-two-hosts.yaml');
    const dot = toDot({ model: m });
    for (const s of ['cluster_hostA', 'host hostB', 'br0', 'VXLAN 42', 'web\\neth1 192.168.115.10/24', 'rate 100mbit (tbf)', 'id="node-db"']) assert.ok(dot.includes(s), s);
    const mmd = toMermaid({ model: m });
    assert.match(mmd, /^flowchart TB\n/);
    for (const s of ['subgraph host__hostA', 'node__web(["web<br/>192.168.115.10/24', 'switch wire', '-.-|"VXLAN 42"|']) assert.ok(mmd.includes(s), s);
  });
});
