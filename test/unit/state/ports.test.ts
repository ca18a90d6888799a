/** PortRepo.reserve: fixed, ranged and ephemeral host ports, wildcard conflicts, all or nothing. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/state/db.js';
import { EPHEMERAL_PORTS, PortRepo, type PortRequest } from '../../../src/state/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnet-unit-'));
const db = openDatabase(dir);
after(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });
db.prepare(`INSERT INTO attachments (id, guest, netns_id, ctr_if, kind, host_if, host_target, spec_key, spec, created_at)
            VALUES (1, 'netns:g', 'net:[1]', 'eth1', 'veth', 'tsn1', 'br-x', 'k', '{}', 'now')`).run();
const repo = new PortRepo(db);
const req = (hostIp: string, hostPort: PortRequest['hostPort'], protocol: PortRequest['protocol'] = 'tcp'): PortRequest =>
  ({ protocol, hostIp, hostPort, containerIp: '10.0.0.2', containerPort: 80 });

test('a port on 0.0.0.0 conflicts with the same port on an address and the other way round', () => {
  repo.reserve(1, [req('0.0.0.0', 8080), req('10.0.0.1', 9090)]);
  assert.throws(() => repo.reserve(1, [req('10.0.0.1', 8080)]), /host port 10\.0\.0\.1:8080\/tcp is already published by netns:g \(its port 80\); pick another host port/);
  assert.throws(() => repo.reserve(1, [req('0.0.0.0', 9090)]), /0\.0\.0\.0:9090\/tcp is already published/);
  assert.equal(repo.reserve(1, [req('10.0.0.2', 9090), req('0.0.0.0', 8080, 'udp')]).length, 2, 'another address, another protocol');
});

test('ranges and ephemeral ports take the lowest free port, also among the same request', () => {
  const got = repo.reserve(1, [req('0.0.0.0', { start: 8080, end: 8090 }), req('0.0.0.0', { start: 8080, end: 8090 }), req('0.0.0.0', EPHEMERAL_PORTS)]);
  assert.deepEqual(got.map((p) => p.hostPort), [8081, 8082, EPHEMERAL_PORTS.start]);
  assert.throws(() => repo.reserve(1, [req('0.0.0.0', { start: 8080, end: 8082 })]), /no free host port left in 8080-8082\/tcp on 0\.0\.0\.0/);
});

test('all or nothing: a conflict in the middle reserves none of the request', () => {
  const before = repo.all().length;
  assert.throws(() => repo.reserve(1, [req('0.0.0.0', 7000), req('0.0.0.0', 8080), req('0.0.0.0', 7001)]), /8080\/tcp is already published/);
  assert.equal(repo.all().length, before);
  assert.equal(repo.reserve(1, Array.from({ length: 1000 }, (_, i) => req('0.0.0.0', 20000 + i))).length, 1000);
});
