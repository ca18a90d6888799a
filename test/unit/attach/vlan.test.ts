/**
 * The planned kernel operations for @VLAN. This kernel has neither bridge VLAN filtering
 * nor 802.1Q devices, so the kernel test of the positive path skips here; these pin
 * exactly what tsnet would run where they exist.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planBridgeVlan, planParentVlan, vlanSubIfName } from '../../../src/attach/vlan.js';

describe('vlan planning', () => {
  test('bridge: filtering on, untagged pvid port, default VLAN 1 removed', () => {
    const ops = planBridgeVlan('br0', 'tsnab12cd34ef56', 42);
    assert.deepEqual(ops.map((o) => o.argv.join(' ')), [
      'ip link set dev br0 type bridge vlan_filtering 1',
      'bridge vlan add dev tsnab12cd34ef56 vid 42 pvid untagged',
      'bridge vlan del dev tsnab12cd34ef56 vid 1',
    ]);
    assert.deepEqual(ops[1]!.undo, ['bridge', 'vlan', 'del', 'dev', 'tsnab12cd34ef56', 'vid', '42']);
  });

  test('parent NIC: an 802.1Q sub-interface, brought up, removed on undo', () => {
    const ops = planParentVlan('eth0', 7);
    assert.deepEqual(ops.map((o) => o.argv.join(' ')), [
      'ip link add link eth0 name eth0.7 type vlan id 7',
      'ip link set dev eth0.7 up',
    ]);
    assert.deepEqual(ops[0]!.undo, ['ip', 'link', 'del', 'dev', 'eth0.7']);
  });

  test('sub-interface names stay within 15 characters', () => {
    assert.equal(vlanSubIfName('eth0', 4094), 'eth0.4094');
    const long = vlanSubIfName('enp0s31f6long', 4094);
    assert.ok(long.length <= 15, long);
    assert.match(long, /^tsnv[0-9a-f]{6}\.4094$/);
    assert.equal(long, vlanSubIfName('enp0s31f6long', 4094), 'deterministic');
  });
});
