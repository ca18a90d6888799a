/**
 * Kernel tests of the embedded DNS (Docker's 127.0.0.11), with busybox nslookup inside
 * containers and dnsmasq as the upstream server in the simulated host: containers on a
 * user-created network resolve each other's names and --network-alias names (UDP, and TCP
 * from a client in the container's netns), nothing of a network they do not share, and
 * other names through the upstream; a container on the default network gets no resolver.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rootSkip, sh } from '../../helpers/netns';
import { ok, type CliResult } from '../../helpers/tsnet';
import { ContainerHost } from '../../helpers/containers';

const UPSTREAM = '10.253.0.53';

/** tcpQuery — an A query for `name` over TCP to 127.0.0.11 from inside the netns at `nsPath`; the first address answered. */
function tcpQuery(nsPath: string, name: string): string {
  const js = `
    const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      ...${JSON.stringify(name)}.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
    const s = require('net').connect(53, '127.0.0.11', () => { const l = Buffer.alloc(2); l.writeUInt16BE(q.length); s.write(Buffer.concat([l, q])); });
    let b = Buffer.alloc(0);
    s.on('data', (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) {
      const m = b.subarray(2); const an = m.readUInt16BE(6); const rd = m.subarray(m.length - 4);
      console.log(an > 0 ? [...rd].join('.') : 'none'); s.end(); } });
    s.setTimeout(3000, () => process.exit(1));`;
  return sh(['nsenter', `--net=${nsPath}`, process.execPath, '-e', js]).trim();
}

describe('embedded DNS', { skip: rootSkip }, () => {
  let h: ContainerHost;
  let dnsmasq: ChildProcess | undefined;
  before(async () => {
    h = new ContainerHost('ip-netns-exec');
    sh(['ip', '-n', h.host, 'addr', 'add', `${UPSTREAM}/32`, 'dev', 'lo']);
    dnsmasq = spawn('ip', ['netns', 'exec', h.host, 'dnsmasq', '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${UPSTREAM}`, '--bind-interfaces',
      '--address=/upstream.test/10.9.9.9', '--log-queries'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    dnsmasq.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    for (let i = 0; i < 100 && !err.includes('started'); i++) await new Promise((r) => setTimeout(r, 30));
  });
  after(() => {
    dnsmasq?.kill('SIGTERM');
    h?.cleanup();
  });

  const nslookup = (net: string, name: string): CliResult =>
    h.cli(['run', '--rm', '--network', net, '--dns', UPSTREAM, 'busybox', 'nslookup', '-type=a', name]);

  test('names and aliases on a shared network, nothing across networks, the rest upstream', () => {
    ok(h.cli(['network', 'create', 'dnsa', '--subnet', '10.71.0.0/24']));
    ok(h.cli(['network', 'create', 'dnsb', '--subnet', '10.72.0.0/24']));
    ok(h.cli(['run', '-d', '--name', 'web', '--network', 'dnsa', '--network-alias', 'www', '--dns', UPSTREAM, 'busybox', 'sleep', '600']));
    ok(h.cli(['run', '-d', '--name', 'db', '--network', 'dnsb', '--dns', UPSTREAM, 'busybox', 'sleep', '600']));
    const web = nslookup('dnsa', 'web');
    assert.equal(web.status, 0, web.stdout);
    assert.match(web.stdout, /Address: 10\.71\.0\.\d+/);
    assert.match(ok(nslookup('dnsa', 'www')).stdout, /Address: 10\.71\.0\.\d+/);
    const across = nslookup('dnsa', 'db');
    assert.notEqual(across.status, 0, 'db is on another network');
    assert.doesNotMatch(across.stdout, /10\.72\./);
    assert.match(ok(nslookup('dnsa', 'upstream.test')).stdout, /Address: 10\.9\.9\.9/);
    assert.match(ok(nslookup('dnsb', 'db')).stdout, /Address: 10\.72\.0\.\d+/);
    assert.notEqual(nslookup('dnsb', 'web').status, 0);
    const resolv = ok(h.cli(['run', '--rm', '--network', 'dnsa', 'busybox', 'cat', '/etc/resolv.conf'])).stdout;
    assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
    const plain = ok(h.cli(['run', '--rm', '--dns', UPSTREAM, 'busybox', 'cat', '/etc/resolv.conf'])).stdout;
    assert.equal(plain, `nameserver ${UPSTREAM}\n`, 'the default network has no embedded DNS, as Docker\'s bridge');
  });

  test('TCP queries are answered too; a stopped container\'s name goes away', () => {
    const [v] = JSON.parse(ok(h.cli(['inspect', 'web'])).stdout) as Array<{ pid: number; interfaces: Array<{ addresses: string[] }> }>;
    const ip = v!.interfaces[0]!.addresses[0]!.split('/')[0]!;
    assert.equal(tcpQuery(`/proc/${v!.pid}/ns/net`, 'www'), ip);
    ok(h.cli(['stop', '-t', '0', 'db']));
    ok(h.cli(['network', 'connect', 'dnsb', 'web']));
    const gone = h.cli(['run', '--rm', '--network', 'dnsb', '--dns', UPSTREAM, 'busybox', 'nslookup', '-type=a', 'db']);
    assert.notEqual(gone.status, 0);
    assert.match(ok(nslookup('dnsb', 'web')).stdout, /Address: 10\.72\.0\.\d+/, 'web, now on dnsb too, answers there with its dnsb address');
    ok(h.cli(['rm', '-f', 'web', 'db']));
    ok(h.cli(['network', 'rm', 'dnsa', 'dnsb']));
    const keeper = spawnSync('sh', ['-c', `tail -20 ${h.root}/dhcp-keeper.log`], { encoding: 'utf8' }).stdout;
    assert.match(keeper, /dns: stopped answering in container web/);
  });
});
