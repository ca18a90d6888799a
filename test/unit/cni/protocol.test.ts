/**
 * protocol.test — the pure half of tsnet-cni: result shapes per spec version (ips[].version
 * before 1.0.0, interface mtu and route extras only from 1.1.0), prevResult read back in
 * either shape, env rules as libcni's skel has them, and config refusals with their codes
 * naming the key and value.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResult, parseResult, checkVersion } from '../../../src/cni/version.js';
import { parseEnv, parseCniArgs } from '../../../src/cni/env.js';
import { parseConfig, parseJson } from '../../../src/cni/config.js';
import { CniError, errorJson, toCniError } from '../../../src/cni/errors.js';
import { TsnetError } from '../../../src/core/errors.js';

function code(fn: () => unknown, want: number, needle: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CniError, String(e));
    assert.equal(e.code, want, e.message);
    assert.match(e.message, needle);
    return true;
  });
}

const result = {
  interfaces: [{ name: 'br0', mac: '02:00:00:00:00:01' }, { name: 'eth0', mac: '02:00:00:00:00:02', mtu: 1500, sandbox: '/run/netns/x' }],
  ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 1 }, { address: 'fd00::2/64', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1400 }],
};

describe('results per version', () => {
  test('0.4.0 gives ips[].version and nothing of 1.1', () => {
    const r = formatResult('0.4.0', result) as { ips: Array<{ version: string }>; interfaces: Array<Record<string, unknown>>; routes: Array<Record<string, unknown>> };
    assert.deepEqual(r.ips.map((i) => i.version), ['4', '6']);
    assert.equal('mtu' in r.interfaces[1]!, false);
    assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }]);
  });
  test('1.0.0 has no version field; 1.1.0 keeps mtu', () => {
    const r10 = formatResult('1.0.0', result) as { ips: Array<Record<string, unknown>> };
    assert.equal('version' in r10.ips[0]!, false);
    const r11 = formatResult('1.1.0', result) as { cniVersion: string; interfaces: Array<{ mtu?: number }>; routes: Array<{ mtu?: number }> };
    assert.equal(r11.cniVersion, '1.1.0');
    assert.equal(r11.interfaces[1]!.mtu, 1500);
    assert.equal(r11.routes[0]!.mtu, 1400);
  });
  test('a 0.4.0 prevResult reads back the same as a 1.0.0 one', () => {
    assert.deepEqual(parseResult(formatResult('0.4.0', result), 'prevResult').ips, parseResult(formatResult('1.0.0', result), 'prevResult').ips);
    code(() => parseResult({ ips: [{ gateway: '1.2.3.4' }] }, 'prevResult'), 6, /no address/);
  });
  test('versions are exact strings', () => {
    assert.equal(checkVersion('1.1.0'), '1.1.0');
    code(() => checkVersion('1.1'), 1, /"1\.1"/);
    code(() => checkVersion(undefined), 1, /undefined/);
  });
});

describe('env', () => {
  const base = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };
  test('parsed', () => {
    const e = parseEnv({ ...base, CNI_ARGS: 'IgnoreUnknown=1;IP=10.0.0.9;K8S_POD_NAME=web' });
    assert.deepEqual(e.path, ['/opt/cni/bin', '/usr/lib/cni']);
    assert.equal(e.args['IP'], '10.0.0.9');
  });
  test('refusals are code 4 naming the variable', () => {
    code(() => parseEnv({ ...base, CNI_NETNS: '' }), 4, /\[CNI_NETNS\] missing/);
    code(() => parseEnv({ ...base, CNI_IFNAME: 'a-very-long-ifname' }), 4, /longer than 15/);
    code(() => parseEnv({ ...base, CNI_IFNAME: '..' }), 4, /is \. or \.\./);
    code(() => parseEnv({ ...base, CNI_CONTAINERID: 'a b' }), 4, /"a b"/);
    code(() => parseEnv({ ...base, CNI_COMMAND: 'NUKE' }), 4, /unknown CNI_COMMAND: "NUKE"/);
    code(() => parseCniArgs('IP'), 4, /"IP" is not KEY=VALUE/);
  });
  test('DEL needs no netns; GC needs only CNI_PATH', () => {
    assert.equal(parseEnv({ ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '' }).netns, '');
    assert.equal(parseEnv({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }).command, 'GC');
  });
});

describe('config', () => {
  const conf = (extra: Record<string, unknown>) => parseConfig({ cniVersion: '1.0.0', name: 'net1', type: 'tsnet', ...extra });
  test('defaults and keys', () => {
    const c = conf({ bridge: 'tsbr0', mtu: 1400, hairpinMode: true, ipam: { type: 'tsnet', ranges: [[{ subnet: '10.9.0.0/24', gateway: '10.9.0.254' }]], routes: [{ dst: '10.10.0.0/16' }] } });
    assert.equal(c.isGateway, true);
    assert.equal(c.network, 'net1');
    assert.deepEqual(c.ipam, { kind: 'tsnet', subnet: '10.9.0.0/24', gateway: '10.9.0.254', subnet6: undefined, gateway6: undefined, routes: [{ dst: '10.10.0.0/16', gw: undefined }] });
    assert.deepEqual(conf({ ipam: { type: 'host-local', ranges: [] } }).ipam, { kind: 'delegate', type: 'host-local' });
    const dual = conf({ ipam: { type: 'tsnet', ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/64', gateway: 'fd00:9::1' }]] } }).ipam;
    assert.deepEqual(dual, { kind: 'tsnet', subnet: '10.9.0.0/24', gateway: undefined, subnet6: 'fd00:9::/64', gateway6: 'fd00:9::1', routes: [] });
  });
  test('capability arguments', () => {
    const c = conf({ runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'UDP', hostIP: '' }], mac: '02:AA:bb:cc:dd:ee', ips: ['10.9.0.5'], dns: { servers: ['1.1.1.1'] } } });
    assert.deepEqual(c.portMappings, [{ hostPort: 8080, containerPort: 80, protocol: 'udp', hostIP: undefined }]);
    assert.equal(c.mac, '02:aa:bb:cc:dd:ee');
    assert.deepEqual(c.ips, ['10.9.0.5']);
    assert.deepEqual(c.dns.nameservers, ['1.1.1.1']);
  });
  test('refusals name key and value', () => {
    code(() => parseJson('[1]'), 6, /not a JSON object/);
    code(() => conf({ name: 'bad name' }), 7, /name "bad name"/);
    code(() => conf({ isGateway: 'yes' }), 7, /isGateway "yes"/);
    code(() => conf({ mac: '01:00:5e:00:00:01' }), 7, /multicast/);
    code(() => conf({ ipam: { type: 'tsnet', subnet: 'fd00::/64' } }), 7, /give IPv6 as subnet6/);
    code(() => conf({ ipam: { type: 'tsnet', ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24' }]] } }), 2, /two IPv4 subnets/);
    code(() => conf({ ipam: { type: 'tsnet', ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: '10.1.0.0/24' }]] } }), 2, /one subnet per family/);
    code(() => conf({ ipam: { type: 'tsnet', gateway: '10.0.0.1' } }), 7, /needs an explicit subnet/);
    code(() => conf({ root: 'relative' }), 7, /root "relative"/);
    code(() => conf({ ipam: { type: 'dhcp' } }), 2, /ipam.type "dhcp"/);
    code(() => conf({ runtimeConfig: { bandwidth: { ingressRate: 100000 } } }), 7, /ingressRate and ingressBurst/);
    code(() => conf({ runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 80, hostIP: '::1' }] } }), 2, /IPv6/);
    code(() => conf({ 'cni.dev/valid-attachments': [{ containerID: 'x' }] }), 7, /needs containerID and ifname/);
  });
});

describe('errors', () => {
  test('tsnet codes map to spec codes; the JSON has the spec fields', () => {
    assert.equal(toCniError(new TsnetError('EINVAL', 'x')).code, 7);
    assert.equal(toCniError(new TsnetError('ETIMEOUT', 'x')).code, 11);
    assert.equal(toCniError(new Error('boom')).code, 103);
    assert.deepEqual(errorJson(new CniError(4, 'invalid environment variables', 'CNI_IFNAME "x"'), '1.0.0'),
      { cniVersion: '1.0.0', code: 4, msg: 'invalid environment variables', details: 'CNI_IFNAME "x"' });
  });
});
