/**
 * Kernel tests of containers' network modes, inside a simulated host with a client namespace
 * wired to it: a busybox httpd published with -p serves a client through the host port;
 * --network container:web shares web's address; named networks, several --network flags
 * and network connect give eth0, eth1 in order and come back on restart, as does what
 * `tsnet attach` added by the container's name (pipework #6); --network host sees the
 * host's links; rm -f takes away the netns, veth, rules and cgroups it made (the firewall
 * back to its snapshot).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { firewallSnapshot, rootSkip, sh, wire } from '../../helpers/netns';
import { ok } from '../../helpers/tsnet';
import { ContainerHost } from '../../helpers/containers';

interface PsView { name: string; pid: number; netns: string | null; interfaces: Array<{ interface: string; network: string | null; addresses: string[] }> }

function curl(ns: string, url: string): string | undefined {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', url], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

async function eventually<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 40; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('container network modes', { skip: rootSkip }, () => {
  let h: ContainerHost;
  let client: string;
  after(() => h?.cleanup());

  const view = (name: string): PsView => (JSON.parse(ok(h.cli(['ps', '--json'])).stdout) as PsView[]).find((v) => v.name === name)!;
  /** addrs — the IPv4 addresses per interface inside a running container, read from the host side. */
  const addrs = (name: string): Record<string, string> => {
    const out = sh(['nsenter', `--net=/proc/${view(name).pid}/ns/net`, 'ip', '-4', '-o', 'addr', 'show']);
    return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => { const f = l.split(/\s+/); return [f[1]!, f[3]!]; }));
  };

  test('-p publishes a busybox httpd to another host; container:web shares its address', async () => {
    h = new ContainerHost('nsenter');
    client = h.t.make('client');
    wire({ ns: h.host, ifname: 'uplink0', cidr: '10.250.0.1/24' }, { ns: client, ifname: 'eth0', cidr: '10.250.0.2/24' });
    ok(h.cli(['init']));
    const baseline = firewallSnapshot(h.host);
    ok(h.cli(['run', '-d', '--name', 'web', '--hostname', 'webhost', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80']));
    const body = await eventually(() => curl(client, 'http://10.250.0.1:8080/etc/hostname'), 'the published httpd');
    assert.equal(body, 'webhost\n');
    const web = view('web');
    assert.ok(web.netns && existsSync(web.netns), 'the container netns is pinned while it runs');
    const ip = addrs('web')['eth0']!;
    assert.match(ip, /^172\.\d+\.\d+\.\d+\/\d+$/);
    const shared = ok(h.cli(['run', '--rm', '--network', 'container:web', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
    assert.ok(shared.includes(ip), `container:web sees ${ip}: ${shared}`);
    const host = ok(h.cli(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link', 'show', 'uplink0'])).stdout;
    assert.match(host, /uplink0/);
    ok(h.cli(['rm', '-f', 'web']));
    assert.ok(!existsSync(web.netns!), 'netns pin removed');
    assert.equal(firewallSnapshot(h.host), baseline, 'published port rules removed');
    assert.deepEqual(sh(['ip', '-n', h.host, '-o', 'link', 'show', 'type', 'veth']).split('\n').filter((l) => !/uplink0/.test(l) && l), []);
    assert.deepEqual(h.leftovers(), []);
  });

  test('named networks and network connect give eth0, eth1, kept across restarts with tsnet attach\'s extra', async () => {
    ok(h.cli(['network', 'create', 'lab1', '--subnet', '10.61.0.0/24']));
    ok(h.cli(['network', 'create', 'lab2', '--subnet', '10.62.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'multi', '--network', 'lab1', '--ip', '10.61.0.7', 'busybox', 'sleep', '600']));
    ok(h.cli(['network', 'connect', 'lab2', 'multi']));
    ok(h.cli(['attach', '-i', 'eth5', 'br9', 'multi', '192.168.9.5/24']));
    const before = addrs('multi');
    assert.equal(before['eth0'], '10.61.0.7/24');
    assert.match(before['eth1']!, /^10\.62\.0\.\d+\/24$/);
    assert.equal(before['eth5'], '192.168.9.5/24');
    const ls = ok(h.cli(['ls'])).stdout;
    assert.match(ls, /container:multi\s+eth0/);
    ok(h.cli(['restart', '-t', '0', 'multi']));
    const again = addrs('multi');
    assert.equal(again['eth0'], '10.61.0.7/24');
    assert.match(again['eth1']!, /^10\.62\.0\.\d+\/24$/);
    assert.equal(again['eth5'], '192.168.9.5/24', 'tsnet attach\'s interface is back after the restart');
    ok(h.cli(['network', 'disconnect', 'lab2', 'multi']));
    assert.equal(addrs('multi')['eth1'], undefined);
    ok(h.cli(['rm', '-f', 'multi']));
    assert.equal(h.cli(['ls', '--json']).stdout.includes('container:multi'), false);
    const two = ok(h.cli(['run', '--rm', '--network', 'lab2', '--network', 'lab1', 'busybox', 'ip', '-4', '-o', 'addr', 'show'])).stdout;
    assert.match(two, /eth0\s+inet 10\.62\.0\.\d+\/24[\s\S]*eth1\s+inet 10\.61\.0\.\d+\/24/, `several --network flags: eth0, eth1 in their order: ${two}`);
    const mixed = h.cli(['run', '--rm', '--network', 'lab1', '--network', 'host', 'busybox', 'true']);
    assert.equal(mixed.status, 2);
    assert.match(mixed.stderr, /^tsnet: error: .*cannot be combined with other networks\n$/);
    ok(h.cli(['network', 'rm', 'lab1', 'lab2']));
    assert.deepEqual(h.leftovers(), []);
  });
});
