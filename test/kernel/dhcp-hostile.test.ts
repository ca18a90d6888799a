/**
 * tsnet's DHCP server against a hostile guest: a flood of raw frames from inside a guest
 * netns, each DISCOVER from a fresh random MAC (Ethernet source and chaddr alike, so the
 * bridge learns them all on the guest's port) with a hostname that tries to forge keeper
 * log lines, each followed by a REQUEST in SELECTING state for an address nobody OFFERed.
 * Afterwards the guest's port holds at most the per-client cap of leases, no forged
 * REQUEST was ACKed, a real client (busybox udhcpc, another guest) gets a lease, and the
 * keeper log is small with every line its own.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_LEASE_CAP } from '../../src/dhcp/server-logic.js';
import { BUSYBOX, rootSkip, TestNetns } from '../helpers/netns';
import { ok, tsnetIn } from '../helpers/tsnet';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';

/** network inspect --json: an array of the network kind (src/cli/json-schema.ts). */
type Inspect = Array<{ dhcpServer: { leases: Array<{ ip: string; mac: string; hostname: string | null; state: string; port: string | null }> } | null }>;

/** The flood: argv ifname count. Raw Ethernet frames, IPv4/UDP 68→67, no UDP checksum. */
const FLOOD = String.raw`
import socket, struct, random, sys
ifname, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
def frame(mac, opts):
    bootp = struct.pack('!BBBBIHHIIII16s64s128s', 1, 1, 6, 0, random.getrandbits(32), 0, 0x8000, 0, 0, 0, 0, mac, b'', b'')
    payload = bootp + b'\x63\x82\x53\x63' + opts + b'\xff'
    udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), b'\xff' * 4)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\xff' * 6 + mac + b'\x08\x00' + ip + udp
host = b'evil\n2026-01-01T00:00:00.000Z server lab: ACK 10.89.0.100 to forged'
for i in range(count):
    mac = bytes([2] + [random.randint(0, 255) for _ in range(5)])
    s.send(frame(mac, bytes([53, 1, 1, 12, len(host)]) + host))
    want = socket.inet_aton('10.89.0.%d' % (100 + i % 10))
    s.send(frame(mac, bytes([53, 1, 3, 50, 4]) + want + bytes([54, 4]) + socket.inet_aton('10.89.0.1')))
`;

describe('DHCP server against a flooding guest', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    t.cleanup();
  });

  test('random-MAC DISCOVERs and unoffered REQUESTs: capped per port, nothing forged, a real client still served', async () => {
    const host = t.make('host');
    const [attacker, victim] = [t.make('atk'), t.make('vic')];
    const root = t.tmpdir();
    roots.push(root);
    const cli = (args: string[]): string => ok(tsnetIn(host, root, args)).stdout;
    cli(['network', 'create', 'lab', '--subnet', '10.89.0.0/24', '--dhcp-server', '--dhcp-range', '10.89.0.100-10.89.0.109', '--lease', '10m']);
    await waitFor(() => keeperPid(root), 3000, 'the keeper to serve the network');
    cli(['attach', 'lab', attacker, '0/0']);
    cli(['attach', 'lab', victim, '0/0']);

    const script = join(t.tmpdir(), 'flood.py');
    writeFileSync(script, FLOOD);
    const r = spawnSync('ip', ['netns', 'exec', attacker, 'python3', script, 'eth1', '3000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);

    const inspect = (): Inspect => JSON.parse(cli(['network', 'inspect', 'lab', '--json'])) as Inspect;
    // Let the keeper drain what it accepted, then look.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const leases = inspect()[0]!.dhcpServer!.leases;
    assert.ok(leases.length <= CLIENT_LEASE_CAP, `the attacker holds ${leases.length} leases`);
    assert.equal(new Set(leases.map((l) => l.port)).size <= 1, true, 'all behind one port');
    for (const l of leases) assert.doesNotMatch(l.hostname ?? '', /\n/);

    // A real client on another port gets an address while the attacker's are still held.
    const u = spawnSync('ip', ['netns', 'exec', victim, BUSYBOX, 'udhcpc', '-q', '-n', '-t', '6', '-T', '1', '-i', 'eth1', '-s', '/bin/true'], { encoding: 'utf8' });
    assert.match(u.stderr, /lease of 10\.89\.0\.1\d\d obtained from 10\.89\.0\.1/);

    const log = readFileSync(join(root, 'dhcp-keeper.log'), 'utf8');
    assert.ok(log.length < 256 << 10, `keeper log is ${log.length} bytes`);
    const lines = log.split('\n').filter(Boolean);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z /, 'every line is one message');
    assert.ok(!lines.some((l) => l.startsWith('2026-01-01T00:00:00.000Z')), 'the hostname did not start a line');
    assert.ok(lines.some((l) => l.includes('evil\\x0a2026-01-01')), 'the hostname is logged escaped');
    const acks = lines.filter((l) => /^\S+ server lab: ACK /.test(l));
    assert.ok(acks.length <= CLIENT_LEASE_CAP + 1, `${acks.length} ACKs: only offered addresses (the attacker's capped ones and the victim's)`);
    cli(['detach', attacker]);
    cli(['detach', victim]);
    cli(['network', 'rm', 'lab']);
  });
});
