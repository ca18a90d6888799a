/** The firewall backend is chosen once per state root: stored, requested, inferred or detected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend, firewallBackend } from '../../../src/nat/select-backend.js';
import { TsnetError } from '../../../src/core/errors.js';

const detectNft = async () => 'nftables' as const;

test('first use: the request wins, else the detected default; either is stored', async () => {
  assert.deepEqual(await chooseBackend(undefined, 'none', false, detectNft), { name: 'none', store: true });
  assert.deepEqual(await chooseBackend(undefined, undefined, false, detectNft), { name: 'nftables', store: true });
});

test('a root with networks made before the choice existed is an iptables root', async () => {
  assert.deepEqual(await chooseBackend(undefined, undefined, true, detectNft), { name: 'iptables', store: true });
  await assert.rejects(chooseBackend(undefined, 'nftables', true, detectNft), /uses the iptables firewall backend/);
});

test('later: the stored backend; a different request is a one-line conflict', async () => {
  assert.deepEqual(await chooseBackend('nftables', undefined, true, detectNft), { name: 'nftables', store: false });
  assert.deepEqual(await chooseBackend('nftables', 'nftables', true, detectNft), { name: 'nftables', store: false });
  await assert.rejects(chooseBackend('nftables', 'iptables', false, detectNft), (e: unknown) => {
    assert.ok(e instanceof TsnetError && e.code === 'ECONFLICT');
    assert.match(e.message, /^this state root uses the nftables firewall backend \(chosen on first use\); --firewall-backend iptables would strand its rules/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  await assert.rejects(chooseBackend(undefined, 'pf', false, detectNft), /firewall backend "pf" is not one of iptables, nftables, none/);
});

test('none installs nothing and reports every network in place', async () => {
  const none = firewallBackend('none');
  assert.equal(none.name, 'none');
  assert.equal(await none.networkInstalled({ bridge: 'br-x', subnet: '10.0.0.0/24', internal: false, ipMasq: true }), true);
});
