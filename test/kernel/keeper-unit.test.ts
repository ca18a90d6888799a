/**
 * The systemd unit of the lease keeper (contrib/tsnet-dhcp-keeper@.service): systemd accepts
 * it, and its ExecStart — read from the file, run exactly so, only the installation path
 * pointed at this checkout — starts a keeper that resumes the recorded leases and renews them
 * with dnsmasq after a "reboot" (the keeper killed, its namespace record from an earlier boot),
 * while a second start of the unit exits 0 without a second keeper.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { rootSkip, sh, TestNetns } from '../helpers/netns';
import { ok, TSNET_BIN, tsnetIn } from '../helpers/tsnet';
import { bridgeWithGateway, startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper';

const REPO = join(__dirname, '..', '..', '..');
const UNIT = join(REPO, 'contrib', 'tsnet-dhcp-keeper@.service');
/** Where the unit expects the installation (README: adjust it when installing elsewhere). */
const INSTALLED = '/usr/local/lib/tsnet/bin/tsnet.js';

/** execStart — the unit's ExecStart as argv for a root: %f is the instance as a path (the root). */
function execStart(root: string): string[] {
  const lines = readFileSync(UNIT, 'utf8').split('\n').filter((l) => l.startsWith('ExecStart='));
  assert.equal(lines.length, 1, 'one ExecStart line');
  const argv = lines[0]!.slice('ExecStart='.length).trim().split(/\s+/);
  assert.ok(argv.includes(INSTALLED), `ExecStart runs ${INSTALLED}`);
  return argv.map((a) => (a === INSTALLED ? join(REPO, 'bin', 'tsnet.js') : a.replace('%f', root)));
}

describe('lease keeper systemd unit', { skip: rootSkip }, () => {
  const t = new TestNetns();
  const roots: string[] = [];
  const servers: Dnsmasq[] = [];
  after(() => {
    for (const r of roots) stopKeeper(r);
    for (const s of servers) s.stop();
    t.cleanup();
  });

  const which = spawnSync('which', ['systemd-analyze'], { encoding: 'utf8' });
  test('systemd-analyze verify accepts the unit, without warnings', { skip: which.status === 0 ? false : 'systemd-analyze is not installed' }, () => {
    const dir = t.tmpdir();
    const instance = join(dir, 'tsnet-dhcp-keeper@var-lib-tsnet.service');
    copyFileSync(UNIT, instance);
    const r = spawnSync('systemd-analyze', ['verify', instance], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warnings (systemd-analyze exits 0 on an unknown value, but says so)');

    // `tsnet dhcp unit`: the same unit with ExecStart running this installation, for --root.
    const made = JSON.parse(sh([TSNET_BIN, 'dhcp', 'unit', '--root', '/srv/my tsnet', '--json'])) as { file: string; instance: string; root: string; unit: string };
    assert.deepEqual([made.file, made.instance, made.root], ['/etc/systemd/system/tsnet-dhcp-keeper@.service', 'tsnet-dhcp-keeper@srv-my\\x20tsnet.service', '/srv/my tsnet']);
    const exec = /^ExecStart=(\S+) (\S+) dhcp-keeper --root %f$/m.exec(made.unit);
    assert.deepEqual(exec?.slice(1), [process.execPath, join(REPO, 'bin', 'tsnet.js')]);
    writeFileSync(instance, made.unit);
    const again = spawnSync('systemd-analyze', ['verify', instance], { encoding: 'utf8' });
    assert.deepEqual([again.status, again.stderr], [0, '']);
  });

  test('ExecStart resumes the leases after a reboot and renews them; a second start exits without a second keeper', async () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    roots.push(root);
    bridgeWithGateway(host, '10.79.0.1/24');
    const server = await startDnsmasq(host, t.tmpdir(), ['--dhcp-range=10.79.0.50,10.79.0.99,60s', '--dhcp-option=option:T1,4', '--dhcp-option=option:T2,50']);
    servers.push(server);
    ok(tsnetIn(host, root, ['attach', 'br0', g, 'dhcp']));
    const started = await waitFor(() => keeperPid(root), 5000, 'tsnet to start its keeper');

    // A reboot, as far as the keeper is concerned: no keeper, and the namespace it was
    // recorded in is from another boot (inodes do not survive one).
    process.kill(started, 'SIGKILL');
    await waitFor(() => keeperPid(root) === undefined, 5000, 'the keeper to be gone');
    const db = new Database(join(root, 'state.db'), { timeout: 5000 });
    db.prepare("UPDATE meta SET value = 'net:[1]' WHERE key = 'host_netns'").run();
    db.prepare("UPDATE meta SET value = '00000000-0000-0000-0000-000000000000' WHERE key = 'host_netns_boot'").run();
    db.close();
    const expiry = Number(server.leases()[0]?.[0]);

    // Started as systemd starts it (in the test's host namespace, which plays the machine's).
    const argv = ['ip', 'netns', 'exec', host, ...execStart(root)];
    const unit = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => unit.on('exit', (code) => resolve(code)));
    const log = (): string => readFileSync(join(root, 'dhcp-keeper.log'), 'utf8');
    await waitFor(() => keeperPid(root) === unit.pid || unit.exitCode !== null, 5000, 'the unit\'s keeper to take the role');
    assert.equal(keeperPid(root), unit.pid, `the unit's process is the keeper (exit ${unit.exitCode}):\n${log()}`);
    assert.equal(statSync(`/proc/${unit.pid}/ns/net`).ino, statSync(`/run/netns/${host}`).ino);
    await waitFor(() => Number(server.leases()[0]?.[0]) > expiry, 10_000, 'the unit\'s keeper to renew the lease').catch((e) => { console.log(log()); throw e; });

    const second = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
    assert.equal(second.status, 0, `a second start exits 0 (systemd does not restart it): ${second.stderr}`);
    assert.equal(keeperPid(root), unit.pid, 'still the first keeper');
    assert.match(log(), new RegExp(`keeper ${second.pid}: another keeper is running; exiting`));
    assert.equal(unit.exitCode, null);

    ok(tsnetIn(host, root, ['detach', g]));
    assert.equal(await exited, 0, 'with no lease left the unit\'s keeper exits 0');
  });
});
