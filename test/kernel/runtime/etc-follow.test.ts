/**
 * Kernel tests of a running container's /etc files following its network, inside a
 * simulated host with dnsmasq as a DHCP server on a bridge: `tsnet attach ... dhcp` gives
 * the container the lease's DNS server in resolv.conf and its address in hosts at once (not
 * only after a restart), a restart keeps them, detach takes them away; `network connect` to
 * a user-created network switches a default-bridge container to the embedded DNS (which
 * then resolves the network's containers), and `network disconnect` switches it back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkip } from '../../helpers/netns';
import { ok, tsnetAsync } from '../../helpers/tsnet';
import { ContainerHost } from '../../helpers/containers';
import { bridgeWithGateway, startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq';

const LEASE_DNS = '10.78.0.53';

describe('a running container\'s /etc files follow its network', { skip: rootSkip }, () => {
  let h: ContainerHost;
  let server: Dnsmasq | undefined;
  before(async () => {
    h = new ContainerHost('nsenter');
    bridgeWithGateway(h.host, '10.78.0.1/24', 'brlease');
    server = await startDnsmasq(h.host, h.t.tmpdir(), ['--dhcp-range=10.78.0.50,10.78.0.99,10m', `--dhcp-option=option:dns-server,${LEASE_DNS}`], 'brlease');
  });
  after(() => {
    server?.stop();
    h?.cleanup();
  });

  const etc = (name: string): { resolv: string; hosts: string } => {
    const [resolv, hosts] = ok(h.cli(['exec', name, 'sh', '-c', 'cat /etc/resolv.conf; echo ---; cat /etc/hosts'])).stdout.split('---\n') as [string, string];
    return { resolv, hosts };
  };
  const eth1 = (name: string): string | undefined => /inet (10\.78\.0\.\d+)\//.exec(ok(h.cli(['exec', name, 'ip', '-4', 'addr', 'show', 'eth1'])).stdout)?.[1];

  test('attach dhcp: the lease\'s DNS server and address at once, after a restart too; gone after detach', () => {
    ok(h.cli(['run', '-d', '--name', 'leased', '--network', 'none', 'busybox', 'sleep', '600']));
    assert.doesNotMatch(etc('leased').resolv, new RegExp(LEASE_DNS.replace(/\./g, '\\.')));
    ok(h.cli(['attach', 'brlease', '-i', 'eth1', 'leased', 'dhcp']));
    const ip = eth1('leased');
    assert.ok(ip, 'a lease on eth1');
    let files = etc('leased');
    assert.equal(files.resolv, `nameserver ${LEASE_DNS}\n`);
    assert.match(files.hosts, new RegExp(`^${ip!.replace(/\./g, '\\.')}\\t[0-9a-f]{12} leased$`, 'm'));
    ok(h.cli(['restart', '-t', '0', 'leased']));
    files = etc('leased');
    assert.equal(files.resolv, `nameserver ${LEASE_DNS}\n`, 'the lease is taken again on restart');
    assert.match(files.hosts, /^10\.78\.0\.\d+\t/m);
    ok(h.cli(['detach', 'leased', '-i', 'eth1']));
    files = etc('leased');
    assert.doesNotMatch(files.resolv, /10\.78\.0\.53/);
    assert.doesNotMatch(files.hosts, /10\.78\.0\./);
    ok(h.cli(['rm', '-f', 'leased']));
  });

  test('network connect switches a default-bridge container to the embedded DNS; disconnect switches it back', () => {
    ok(h.cli(['network', 'create', 'follow', '--subnet', '10.79.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'member', '--network', 'follow', 'busybox', 'sleep', '600']));
    ok(h.cli(['run', '-d', '--name', 'joiner', 'busybox', 'sleep', '600']));
    assert.doesNotMatch(etc('joiner').resolv, /127\.0\.0\.11/, 'the default bridge has no embedded DNS');
    ok(h.cli(['network', 'connect', 'follow', 'joiner']));
    const files = etc('joiner');
    assert.match(files.resolv, /^nameserver 127\.0\.0\.11$/m);
    assert.match(files.hosts, /^10\.79\.0\.\d+\t/m, 'its address on the new network');
    assert.match(ok(h.cli(['exec', 'joiner', 'nslookup', '-type=a', 'member'])).stdout, /Address: 10\.79\.0\.\d+/);
    ok(h.cli(['network', 'disconnect', 'follow', 'joiner']));
    const back = etc('joiner');
    assert.doesNotMatch(back.resolv, /127\.0\.0\.11/);
    assert.doesNotMatch(back.hosts, /10\.79\.0\./);
    ok(h.cli(['rm', '-f', 'joiner', 'member']));
    ok(h.cli(['network', 'rm', 'follow']));
    assert.deepEqual(h.leftovers(), []);
  });

  test('two network connects at the same moment: /etc/hosts ends with both addresses', async () => {
    ok(h.cli(['network', 'create', 'twin-a', '--subnet', '10.81.0.0/24']));
    ok(h.cli(['network', 'create', 'twin-b', '--subnet', '10.82.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'twin', '--network', 'none', 'busybox', 'sleep', '600']));
    const rs = await Promise.all(['twin-a', 'twin-b'].map((n) => tsnetAsync(h.host, h.root, ['network', 'connect', n, 'twin'])));
    for (const r of rs) ok(r);
    const hosts = etc('twin').hosts;
    assert.match(hosts, /^10\.81\.0\.\d+\t/m, hosts);
    assert.match(hosts, /^10\.82\.0\.\d+\t/m, hosts);
    assert.equal(hosts.split('\n').filter((l) => l.startsWith('127.0.0.1')).length, 1, 'one file, not two interleaved');
    ok(h.cli(['rm', '-f', 'twin']));
    ok(h.cli(['network', 'rm', 'twin-a', 'twin-b']));
  });
});
