/**
 * Kernel tests of published ports, for both firewall backends (iptables, nftables): a
 * second namespace playing another host reaches a busybox httpd in a guest through the
 * published port, so do the host itself on its own address and on 127.0.0.1, another guest
 * on the same bridge through the host's address (hairpin) and the guest itself; ephemeral
 * ports come from Docker's range; a port already published or held by another process is
 * refused; a flushed firewall comes back with gc; unpublish and detach remove exactly the
 * rules, and after network rm iptables-save and nft list ruleset are back to their baseline.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX, firewallSnapshot, nftRuleset, rootSkip, sh, TestNetns, wire } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { gcTargets } from '../helpers/gc-json';

/** httpGet — the body of GET url from inside ns, or undefined when nothing answers in time. */
function httpGet(ns: string, url: string): string | undefined {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `require('http').get(${JSON.stringify(url)}, { timeout: 1500 }, (res) => res.pipe(process.stdout)).on('timeout', () => process.exit(2)).on('error', () => process.exit(1))`],
  { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout : undefined;
}

async function eventually(fn: () => string | undefined): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/** flush — what a firewall reload does to each backend's rules. */
const FLUSH: Record<string, string[][]> = {
  iptables: [['iptables', '-F'], ['iptables', '-t', 'nat', '-F']],
  nftables: [['nft', 'flush', 'ruleset']],
};
/** partly — someone else's tool flushing part of the rules: the filter table, tsnet's forward chain. */
const FLUSH_PART: Record<string, string[][]> = {
  iptables: [['iptables', '-F']],
  nftables: [['nft', 'flush', 'chain', 'inet', 'tsnet', 'forward']],
};

for (const fw of ['iptables', 'nftables']) describe(`published ports (${fw})`, { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('another host, the host itself, 127.0.0.1 and guests on the bridge (hairpin) reach a guest\'s httpd', async () => {
    const host = t.make('host');
    const client = t.make('client');
    const g = t.make('g');
    const g2 = t.make('g2');
    const root = t.tmpdir();
    const cli = (args: string[]) => tsnetIn(host, root, args, { env: { TSNET_FIREWALL_BACKEND: fw } });
    wire({ ns: host, ifname: 'uplink0', cidr: '10.250.0.1/24' }, { ns: client, ifname: 'eth0', cidr: '10.250.0.2/24' });
    const baseline = [firewallSnapshot(host), nftRuleset(host)];
    ok(cli(['network', 'create', 'lab', '--subnet', '10.74.0.0/24']));
    ok(cli(['attach', 'lab', g]));
    ok(cli(['attach', 'lab', g2]));
    const www = join(t.tmpdir(), 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.html'), 'hello from the guest\n');
    const httpd = spawn('ip', ['netns', 'exec', g, BUSYBOX, 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
    const holder = spawn('ip', ['netns', 'exec', host, process.execPath, '-e', "require('net').createServer().listen(9090, () => console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      const published = JSON.parse(ok(cli(['port', 'publish', g, '-p', '8080:80', '--json'])).stdout) as Array<{ hostPort: number; containerIp: string }>;
      assert.deepEqual(published.map((p) => [p.hostPort, p.containerIp]), [[8080, '10.74.0.2']]);
      assert.equal(await eventually(() => httpGet(client, 'http://10.250.0.1:8080/')), 'hello from the guest\n', 'from another host');
      assert.equal(httpGet(host, 'http://10.250.0.1:8080/'), 'hello from the guest\n', 'from the host to its own address');
      assert.equal(httpGet(host, 'http://127.0.0.1:8080/'), 'hello from the guest\n', 'from the host to 127.0.0.1');
      assert.equal(httpGet(g2, 'http://10.250.0.1:8080/'), 'hello from the guest\n', 'hairpin: another guest on the bridge');
      assert.equal(httpGet(g, 'http://10.250.0.1:8080/'), 'hello from the guest\n', 'hairpin: the guest itself');
      assert.equal(httpGet(client, 'http://10.74.0.2:80/'), undefined, 'unpublished ports of the guest stay closed');

      const eph = JSON.parse(ok(cli(['port', 'publish', g, '-p', '80', '--json'])).stdout) as Array<{ hostPort: number }>;
      assert.ok(eph[0]!.hostPort >= 49153, `ephemeral port ${eph[0]!.hostPort}`);
      assert.equal(httpGet(client, `http://10.250.0.1:${eph[0]!.hostPort}/`), 'hello from the guest\n');

      const again = cli(['port', 'publish', g, '-p', '8080:81']);
      assert.equal(again.status, 4);
      assert.match(again.stderr, /8080\/tcp is already published/);
      const held = cli(['port', 'publish', g, '-p', '9090:80']);
      assert.equal(held.status, 4);
      assert.match(held.stderr, /9090\/tcp is in use by another process/);
      const bad = cli(['port', 'publish', g, '-p', '8000-8001:80-82']);
      assert.equal(bad.status, 2);

      const listed = JSON.parse(ok(cli(['port', 'ls', '--json'])).stdout) as Array<{ hostPort: number }>;
      assert.deepEqual(listed.map((p) => p.hostPort).sort(), [8080, eph[0]!.hostPort].sort());
      // A firewall reload flushes everything; tsnet gc puts it back from state.
      const intact = firewallSnapshot(host);
      for (const argv of FLUSH[fw]!) sh(['ip', 'netns', 'exec', host, ...argv]);
      assert.equal(httpGet(client, 'http://10.250.0.1:8080/'), undefined, 'flushed: the port is gone');
      assert.deepEqual(gcTargets(ok(cli(['gc', '--json'])).stdout, 'firewall'), ['lab']);
      assert.equal(firewallSnapshot(host), intact, 'the same rules as before the flush');
      assert.equal(httpGet(client, 'http://10.250.0.1:8080/'), 'hello from the guest\n', 'restored');
      assert.deepEqual(gcTargets(ok(cli(['gc', '--json'])).stdout, 'firewall'), [], 'nothing to do twice');
      for (const argv of FLUSH_PART[fw]!) sh(['ip', 'netns', 'exec', host, ...argv]);
      assert.deepEqual(gcTargets(ok(cli(['gc', '--json'])).stdout, 'firewall'), ['lab']);
      assert.equal(firewallSnapshot(host), intact, 'a partial flush is repaired without doubling what survived');
      ok(cli(['port', 'unpublish', g, '8080']));
      assert.equal(httpGet(client, 'http://10.250.0.1:8080/'), undefined, 'unpublished');
      assert.equal(httpGet(client, `http://10.250.0.1:${eph[0]!.hostPort}/`), 'hello from the guest\n', 'the other port stays');
      ok(cli(['detach', g]));
      ok(cli(['detach', g2]));
      assert.equal(ok(cli(['port', 'ls', '--json'])).stdout.trim(), '[]');
      ok(cli(['network', 'rm', 'lab']));
      if (fw === 'nftables') assert.equal(nftRuleset(host), baseline[1], 'nft list ruleset back to the baseline');
      assert.equal(firewallSnapshot(host), baseline[0], 'iptables-save back to the baseline');
    } finally {
      httpd.kill();
      holder.kill();
    }
  });
});
