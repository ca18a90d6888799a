/**
 * End-to-end: where tsnet must do what pipework does, run as a pipework user would and
 * checked in the kernel — U:<name> MACs (the expected value computed by pipework's own
 * shell pipeline), a macvlan on a down NIC bringing it up, mac:<MAC> of a bridge that took
 * its port's MAC, every DHCP-client IPSPEC against dnsmasq, the gratuitous ARP reaching
 * the host's own neighbour table, and a DHCP hostname for a pid: guest.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { linksJson, rootSkip, routesJson, sh, TestNetns, wire } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { bridgeWithGateway, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq';
import { stopKeeper, waitFor } from '../helpers/keeper';

/** pipeworkMac — pipework's line, run by /bin/sh as its #!/bin/sh does. */
function pipeworkMac(seed: string): string {
  const script = "echo $1|md5sum|sed 's/^\\(..\\)\\(..\\)\\(..\\)\\(..\\)\\(..\\).*$/02:\\1:\\2:\\3:\\4:\\5/'";
  return spawnSync('/bin/sh', ['-c', script, 'sh', seed], { encoding: 'utf8' }).stdout.trim();
}

const v4 = (ns: string, dev: string): string[] =>
  (JSON.parse(sh(['ip', '-n', ns, '-j', '-4', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>)
    .flatMap((a) => a.addr_info.map((i) => `${i.local}/${i.prefixlen}`));

describe('pipework compatibility', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const servers: Dnsmasq[] = [];
  const roots: string[] = [];
  const children: number[] = [];
  after(() => {
    for (const pid of children) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    for (const r of roots) stopKeeper(r);
    for (const s of servers) s.stop();
    t.cleanup();
  });
  const rootDir = (): string => { const r = t.tmpdir(); roots.push(r); return r; };

  test('U:<name> gives the MAC pipework gives (echo NAME | md5sum, newline included)', () => {
    const host = t.make('host');
    const root = rootDir();
    for (const seed of ['web-1', 'db  two words']) {
      const g = t.make('g');
      ok(tsnetIn(host, root, ['attach', 'br0', g, '10.61.0.2/24', `U:${seed}`]));
      assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.address, pipeworkMac(seed), `U:${seed}`);
      ok(tsnetIn(host, root, ['detach', g]));
    }
    assert.equal(pipeworkMac('web-1'), '02:c6:0f:6e:09:5e');
  });

  test('a macvlan on a NIC that is down brings the NIC up, as pipework does', () => {
    const host = t.make('host');
    const outside = t.make('wire');
    const g = t.make('g');
    const root = rootDir();
    wire({ ns: host, ifname: 'phys0', up: false }, { ns: outside, ifname: 'uplink' });
    ok(tsnetIn(host, root, ['attach', 'phys0', g, '10.62.0.2/24@10.62.0.1']));
    assert.equal(linksJson(host).find((l) => l.ifname === 'phys0')?.operstate, 'UP', 'the parent NIC is up');
    const eth1 = linksJson(g).find((l) => l.ifname === 'eth1');
    assert.equal(eth1?.operstate, 'UP', 'the guest has carrier');
    assert.ok(routesJson(g).every((r) => !r.flags?.includes('linkdown')), JSON.stringify(routesJson(g)));
    ok(tsnetIn(host, root, ['detach', g]));
    assert.equal(linksJson(host).find((l) => l.ifname === 'phys0')?.operstate, 'UP', 'detach leaves the NIC up (pipework never takes it down)');
  });

  test('mac:<MAC> of a NIC whose MAC its bridge took means the bridge (br0 over eth0)', () => {
    const host = t.make('host');
    const outside = t.make('wire');
    const g = t.make('g');
    const root = rootDir();
    wire({ ns: host, ifname: 'eth0', cidr: undefined }, { ns: outside, ifname: 'uplink' });
    sh(['ip', '-n', host, 'link', 'add', 'br0', 'type', 'bridge']);
    sh(['ip', '-n', host, 'link', 'set', 'eth0', 'master', 'br0']);
    sh(['ip', '-n', host, 'link', 'set', 'br0', 'up']);
    const links = linksJson(host);
    const nicMac = links.find((l) => l.ifname === 'eth0')!.address!;
    assert.equal(links.find((l) => l.ifname === 'br0')?.address, nicMac, 'the bridge took its port\'s MAC');
    ok(tsnetIn(host, root, ['attach', `mac:${nicMac}`, g, '10.63.0.2/24']));
    assert.equal(linksJson(g).find((l) => l.ifname === 'eth1')?.linkinfo?.info_kind, 'veth', 'a veth into the bridge, not a macvlan on the NIC');
    const ports = linksJson(host).filter((l) => l.master === 'br0').map((l) => l.ifname);
    assert.equal(ports.length, 2, `eth0 and tsnet's port on br0: ${ports.join(',')}`);
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('every DHCP-client IPSPEC of pipework gets a lease with the guest name as hostname', async () => {
    const host = t.make('host');
    const root = rootDir();
    bridgeWithGateway(host, '10.64.0.1/24');
    const server = await startDnsmasq(host, t.tmpdir(), ['--dhcp-range=10.64.0.50,10.64.0.99,2m']);
    servers.push(server);
    const forms: Array<[string, string | undefined]> = [
      ['udhcpc', undefined], ['dhcp', undefined], ['dhcp:-x hostname:viaargs', 'viaargs'], ['udhcpc-f', undefined],
      ['dhclient', undefined], ['dhclient-f:-v', undefined], ['dhcpcd', undefined], ['dhcpcd-f:-h named', 'named'],
    ];
    for (const [ipspec, hostname] of forms) {
      const g = t.make('g');
      const r = tsnetIn(host, root, ['attach', 'br0', g, ipspec]);
      assert.equal(r.status, 0, `${ipspec}: ${r.stderr}\n${server.log().split('\n').slice(-15).join('\n')}\n${sh(['ip', '-n', host, '-d', 'link'])}`);
      const [addr] = v4(g, 'eth1');
      assert.match(addr ?? '', /^10\.64\.0\.\d+\/24$/, ipspec);
      const lease = server.leases().find((l) => `${l[2]}/24` === addr);
      assert.equal(lease?.[3], hostname ?? g, `${ipspec}: the hostname the server got`);
      assert.equal(routesJson(g).find((r) => r.dst === 'default')?.gateway, '10.64.0.1', ipspec);
      ok(tsnetIn(host, root, ['detach', g]));
    }
    const bad = tsnetIn(host, root, ['attach', 'br0', t.make('g'), 'dhclient:-cf /etc/dhclient.conf']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tsnet: error: dhclient argument "-cf" is not supported/);
  });

  test('a DHCP attach to a pid: guest sends a hostname (its UTS hostname)', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = rootDir();
    bridgeWithGateway(host, '10.65.0.1/24');
    const server = await startDnsmasq(host, t.tmpdir(), ['--dhcp-range=10.65.0.50,10.65.0.99,2m']);
    servers.push(server);
    const child = spawn('ip', ['netns', 'exec', g, 'unshare', '--uts', 'sh', '-c', 'hostname pidguest && exec sleep 120'], { stdio: 'ignore' });
    children.push(child.pid!);
    await waitFor(() => sh(['cat', `/proc/${child.pid}/comm`]).trim() === 'sleep', 5000, 'the guest process');
    ok(tsnetIn(host, root, ['attach', 'br0', `pid:${child.pid}`, 'dhcp']));
    const [addr] = v4(g, 'eth1');
    assert.equal(server.leases().find((l) => `${l[2]}/24` === addr)?.[3], 'pidguest');
    ok(tsnetIn(host, root, ['detach', `pid:${child.pid}`]));
  });

  test("the gratuitous ARP after attach updates the host's own neighbour entry on the bridge", () => {
    const host = t.make('host');
    const root = rootDir();
    bridgeWithGateway(host, '10.66.0.1/24');
    // A fixed bridge MAC, as docker0 or br0 over a NIC have: a bridge whose MAC follows its ports flushes its neighbours at each change.
    sh(['ip', '-n', host, 'link', 'set', 'br0', 'address', '02:00:00:00:66:01']);
    const g0 = t.make('g0');
    const g1 = t.make('g1');
    const g2 = t.make('g2');
    // Another guest stays on the bridge throughout: a bridge without ports loses carrier, and the kernel flushes its neighbours.
    ok(tsnetIn(host, root, ['attach', 'br0', g0, '10.66.0.6/24']));
    ok(tsnetIn(host, root, ['attach', 'br0', g1, '10.66.0.7/24']));
    const mac1 = linksJson(g1).find((l) => l.ifname === 'eth1')!.address!;
    sh(['ip', '-n', host, 'neigh', 'replace', '10.66.0.7', 'lladdr', mac1, 'dev', 'br0', 'nud', 'reachable']);
    ok(tsnetIn(host, root, ['detach', g1]));
    ok(tsnetIn(host, root, ['attach', 'br0', g2, '10.66.0.7/24']));
    const mac2 = linksJson(g2).find((l) => l.ifname === 'eth1')!.address!;
    assert.notEqual(mac1, mac2);
    const neigh = JSON.parse(sh(['ip', '-n', host, '-j', 'neigh', 'show', '10.66.0.7', 'dev', 'br0'])) as Array<{ lladdr?: string }>;
    assert.equal(neigh[0]?.lladdr, mac2, 'the host learnt the new MAC for the re-used address at once');
    ok(tsnetIn(host, root, ['detach', g2]));
    ok(tsnetIn(host, root, ['detach', g0]));
  });
});
