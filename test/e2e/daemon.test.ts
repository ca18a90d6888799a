/**
 * tsnet daemon end to end: the native client forwards to it or runs the command itself, with
 * the same output and exit status either way; stdio streams both ways (stdin only when
 * read); relative paths are the client's; only root (or the socket's group) is served;
 * one daemon per root; published ports are held; SIGTERM finishes running requests; kill -9
 * mid-request gives the client one line and the next call runs without it. Runs both modes
 * itself, so the e2e:daemon pass skips it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestNetns, isRoot, sh } from '../helpers/netns.js';
import { DAEMON_MODE, TSNET_BIN } from '../helpers/tsnet.js';
import { busyboxTar } from '../helpers/busybox.js';
import { keeperPid, stopKeeper, waitFor } from '../helpers/keeper.js';
import { pidfileFor, socketPathFor } from '../../src/daemon/paths.js';

interface Run { status: number | null; stdout: string; stderr: string }

const skip = !isRoot ? 'needs root (CI runs as root)' : DAEMON_MODE ? 'runs both modes itself' : false;

describe('tsnet daemon', { skip }, () => {
  const t = new TestNetns();
  let host: string;
  let root: string;
  let work: string;
  let socket: string;
  let daemon: ChildProcess | undefined;

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, TSNET_ROOT: root, TSNET_LINKOPS: 'netlink', ...extra });
  /** cli — bin/tsnet in the host netns, through the daemon unless direct. */
  const cli = (args: string[], o: { direct?: boolean; input?: string | Buffer; cwd?: string; ns?: string; env?: Record<string, string> } = {}): Run => {
    const r = spawnSync('ip', ['netns', 'exec', o.ns ?? host, TSNET_BIN, ...args], {
      env: env({ ...(o.direct ? { TSNET_NO_DAEMON: '1' } : {}), ...o.env }), input: o.input, cwd: o.cwd, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** cliAsync — the same, started now; `done` turns true when it has exited. */
  const cliAsync = (args: string[], o: { direct?: boolean } = {}): { result: Promise<Run>; readonly done: boolean } => {
    const child = spawn('ip', ['netns', 'exec', host, TSNET_BIN, ...args], { env: env(o.direct ? { TSNET_NO_DAEMON: '1' } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    let done = false;
    const result = new Promise<Run>((resolve) => child.on('close', (status) => { done = true; resolve({ status, stdout, stderr }); }));
    return { result, get done() { return done; } };
  };
  const startDaemon = async (): Promise<void> => {
    daemon = spawn('ip', ['netns', 'exec', host, TSNET_BIN, 'daemon'], { env: env({ TSNET_TEST_HOOKS: '1' }), stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      daemon!.stderr!.on('data', (b: Buffer) => { if (b.toString().includes('serving')) resolve(); });
      daemon!.on('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
    });
  };
  /**
   * waitingForHostLock — the test takes the host lock (an flock on the host netns's nsfs
   * file) for 1.5 s, then starts `args` through the client: the command waits inside the
   * daemon, so the test can do things to its client meanwhile.
   */
  const waitingForHostLock = async (args: string[]): Promise<{ holder: ChildProcess; client: ChildProcess }> => {
    const holder = spawn('ip', ['netns', 'exec', host, 'flock', '/proc/self/ns/net', 'sleep', '1.5'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const client = spawn('ip', ['netns', 'exec', host, TSNET_BIN, ...args], { env: env(), stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 400));
    return { holder, client };
  };
  const stopped = (d: ChildProcess): Promise<number | null> => new Promise((resolve) => (d.exitCode !== null ? resolve(d.exitCode) : d.on('exit', (code) => resolve(code))));

  before(async () => {
    host = t.make('host');
    sh(['ip', '-n', host, 'link', 'add', 'br0', 'type', 'bridge']);
    sh(['ip', '-n', host, 'link', 'set', 'br0', 'up']);
    root = t.tmpdir();
    work = t.tmpdir();
    busyboxTar(work, join(work, 'bb.tar'));
    await startDaemon();
    socket = socketPathFor(realpathSync(root));
  });
  after(async () => {
    if (daemon && daemon.exitCode === null) { daemon.kill('SIGTERM'); await stopped(daemon); }
    t.cleanup();
  });

  test('the same output and exit status with and without the daemon, and --debug says which ran', () => {
    const g = t.make('g');
    const cases = [
      ['--version'], ['--help'], ['attach', '--help'], ['frobnicate'], ['attach', '--no-such-flag'],
      ['attach', 'br0', 'web', '10.0.0.1/99', '--json'], ['ls', '--json'], ['ls'], ['inspect', 'nope'],
      ['attach', '--dry-run', 'br0', g, '10.0.0.2/24@10.0.0.1'], ['network', 'ls'], ['gc', '--dry-run'],
    ];
    for (const args of cases) {
      const direct = cli(args, { direct: true });
      assert.deepEqual(cli(args), direct, `tsnet ${args.join(' ')}`);
    }
    assert.match(cli(['ls', '--debug']).stderr, new RegExp(`daemon path: ${socket}`));
    assert.match(cli(['ls', '--debug'], { direct: true }).stderr, /direct path: TSNET_NO_DAEMON=1/);
  });

  test('attach and detach through the daemon: one state, whichever path changes it', () => {
    const g = t.make('g');
    const attached = cli(['attach', 'br0', g, '10.0.0.2/24']);
    assert.deepEqual([attached.status, attached.stdout], [0, `attached netns:${g} eth1 to br0\n`]);
    assert.match(sh(['ip', '-n', g, '-br', 'addr', 'show', 'dev', 'eth1']), /10\.0\.0\.2\/24/);
    assert.equal((JSON.parse(cli(['ls', '--json'], { direct: true }).stdout) as unknown[]).length, 1);
    assert.equal(cli(['attach', 'br0', g, '10.0.0.2/24']).stdout, `netns:${g} eth1 is already attached to br0; nothing to do\n`);
    assert.equal(cli(['detach', g], { direct: true }).status, 0);
    assert.equal(cli(['ls', '--json']).stdout.trim(), '[]');
  });

  test('parallel requests beside plain CLI processes: one waits on the host lock while others are served; 20 attaches through it and 10 direct at once', async () => {
    // The test holds the host lock until it closes the holder's stdin: no timing involved.
    const holder = spawn('ip', ['netns', 'exec', host, 'flock', '/proc/self/ns/net', 'sh', '-c', 'echo locked; cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    await new Promise<void>((resolve) => holder.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('locked')) resolve(); }));
    const create = cliAsync(['network', 'create', 'par', '--subnet', '10.81.0.0/24']);
    await waitFor(() => (JSON.parse(cli(['daemon', 'status', '--json']).stdout) as { running: number }).running === 1, 10_000, 'the create to wait in the daemon');
    assert.deepEqual([cli(['ls', '--json']).stdout, cli(['--version']).status], ['[]\n', 0], 'served while another request waits');
    assert.equal(create.done, false, 'the create still waits for the host lock');
    holder.stdin!.end();
    assert.equal((await create.result).status, 0);
    await stopped(holder);

    const guests = Array.from({ length: 30 }, (_, i) => t.make(`p${i}`));
    const direct = (i: number): boolean => i % 3 === 0;
    const attached = await Promise.all(guests.map((g, i) => cliAsync(['attach', 'par', g], { direct: direct(i) }).result));
    attached.forEach((r, i) => assert.equal(r.status, 0, `attach ${i} (${direct(i) ? 'direct' : 'daemon'}): ${r.stderr}`));
    const views = JSON.parse(cli(['ls', '--json']).stdout) as Array<{ addresses: string[] }>;
    assert.equal(views.length, 30);
    assert.equal(new Set(views.flatMap((v) => v.addresses)).size, 30, 'no address handed out twice');
    const bridge = (JSON.parse(cli(['network', 'ls', '--json']).stdout) as Array<{ name: string; bridge: string }>).find((n) => n.name === 'par')!.bridge;
    assert.equal((JSON.parse(sh(['ip', '-n', host, '-j', 'link', 'show', 'master', bridge])) as unknown[]).length, 30);
    const detached = await Promise.all(guests.map((g, i) => cliAsync(['detach', g], { direct: !direct(i) }).result));
    detached.forEach((r, i) => assert.equal(r.status, 0, `detach ${i}: ${r.stderr}`));
    assert.equal(cli(['ls', '--json']).stdout, '[]\n');
    assert.equal(sh(['ip', '-n', host, '-j', 'link', 'show', 'master', bridge]).trim(), '[]');
    assert.equal(cli(['network', 'rm', 'par']).status, 0);
  });

  test('stdout and stdin stream through it; stdin stays untouched when the command does not read it', () => {
    assert.match(cli(['import', join(work, 'bb.tar'), 'busybox']).stdout, /^sha256:/);
    const saved = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, 'save', 'busybox'], { env: env(), maxBuffer: 64 << 20 });
    assert.equal(saved.status, 0, saved.stderr.toString());
    assert.ok(saved.stdout.length > 500_000, `an archive of ${saved.stdout.length} bytes`);
    assert.match(sh(['tar', '-t'], saved.stdout as unknown as string), /manifest\.json/);
    assert.equal(cli(['rmi', 'busybox']).status, 0);
    assert.match(cli(['load'], { input: saved.stdout }).stdout, /Loaded image: docker\.io\/library\/busybox:latest/);
    const fg = cli(['run', '--debug', '--rm', 'busybox', 'echo', 'hello']);
    assert.deepEqual([fg.status, fg.stdout], [0, 'hello\n'], fg.stderr);
    assert.match(fg.stderr, new RegExp(`daemon path: ${socket}`), 'a foreground container without -i/-t is served, its output relayed');
    const interactive = cli(['run', '--debug', '--rm', '-i', 'busybox', 'cat'], { input: 'typed\n' });
    assert.deepEqual([interactive.status, interactive.stdout], [0, 'typed\n'], interactive.stderr);
    assert.match(interactive.stderr, /direct path: the command needs a process of its own: a foreground container with -t or -i/, 'with -i it reads the client\'s own stdin in the client\'s process');
    const loop = spawnSync('ip', ['netns', 'exec', host, 'sh', '-c', `printf 'a\\nb\\n' | ( ${TSNET_BIN} ls >/dev/null; cat )`], { env: env(), encoding: 'utf8' });
    assert.equal(loop.stdout, 'a\nb\n', 'a shell loop reading the same stdin keeps its lines');
  });

  test('a detached container runs from the daemon; logs -f stops when its client is gone', async () => {
    const id = cli(['run', '-d', '--name', 'follow', 'busybox', 'sh', '-c', 'echo started; sleep 30']);
    assert.equal(id.status, 0, id.stderr);
    const logs = spawn('ip', ['netns', 'exec', host, TSNET_BIN, 'logs', '-f', 'follow'], { env: env(), stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    logs.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    await waitFor(() => out.includes('started'), 5000, 'the container\'s first line');
    logs.kill('SIGINT');
    assert.equal(await stopped(logs), 130);
    await waitFor(() => (JSON.parse(cli(['daemon', 'status', '--json']).stdout) as { running: number }).running === 0, 5000, 'the follow to end in the daemon');
    assert.equal(cli(['rm', '-f', 'follow']).status, 0);
  });

  test("relative paths are the client's: it runs in the client's working directory", () => {
    assert.equal(cli(['save', '-o', 'rel.tar', 'busybox'], { cwd: work }).status, 0);
    assert.ok(statSync(join(work, 'rel.tar')).size > 500_000);
  });

  test('who it serves: 0660 socket, one daemon per root, another netns or user runs directly', () => {
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    assert.equal(readFileSync(pidfileFor(socket), 'utf8').trim(), String(daemon!.pid));
    const second = cli(['daemon']);
    assert.equal(second.status, 4);
    assert.match(second.stderr, /^tsnet: error: a tsnet daemon already serves state root .* \(pid \d+\); stop it first/);
    assert.equal(second.stderr.trim().split('\n').length, 1);
    const status = JSON.parse(cli(['daemon', 'status', '--json']).stdout) as { pid: number; keeper: boolean; served: number };
    assert.equal(status.pid, daemon!.pid);
    assert.equal(status.keeper, true, 'the daemon is the root\'s lease keeper');
    const other = t.make('other');
    assert.match(cli(['ls', '--debug'], { ns: other }).stderr, /direct path: the client is in another network namespace/);
    const nobody = spawnSync('ip', ['netns', 'exec', host, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', TSNET_BIN, '--version', '--debug'], { env: env(), encoding: 'utf8' });
    assert.match(nobody.stderr, /direct path: no daemon answers/, 'the socket refuses other users');
  });

  test("the tsnet group: members are served and logged with their credentials; the daemon itself refuses others", async () => {
    const groups = readFileSync('/etc/group', 'utf8');
    let gid = 47113;
    while (new RegExp(`^[^:]*:[^:]*:${gid}:`, 'm').test(groups)) gid++;
    const groupFile = join(t.tmpdir(), 'group');
    writeFileSync(groupFile, `${groups}tsnet:x:${gid}:\n`);
    const gRoot = t.tmpdir();
    // The daemon sees a tsnet group through a bind mount in ip netns exec's own mount namespace; the machine's /etc/group is untouched.
    const d = spawn('ip', ['netns', 'exec', host, 'sh', '-c', 'mount --bind "$1" /etc/group && exec "$2" daemon --root "$3"', 'sh', groupFile, TSNET_BIN, gRoot], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        d.stderr!.on('data', (b: Buffer) => { if (b.toString().includes('serving')) resolve(); });
        d.on('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
      });
      const gSocket = socketPathFor(realpathSync(gRoot));
      const st = statSync(gSocket);
      assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o660, 0, gid]);
      const as = (ids: string[]): Run => {
        const r = spawnSync('ip', ['netns', 'exec', host, 'setpriv', '--reuid=65534', ...ids, TSNET_BIN, '--version', '--debug'], { env: { ...env(), TSNET_ROOT: gRoot }, encoding: 'utf8' });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const version = cli(['--version'], { direct: true }).stdout;
      for (const ids of [['--regid=65534', `--groups=${gid}`], [`--regid=${gid}`, '--clear-groups']]) {
        const member = as(ids);
        assert.deepEqual([member.status, member.stdout], [0, version], ids.join(' '));
        assert.match(member.stderr, /daemon path: .*exit status 0/s, ids.join(' '));
      }
      assert.match(as(['--regid=65534', '--clear-groups']).stderr, /direct path: no daemon answers/, "the socket's mode keeps others out");
      chmodSync(gSocket, 0o666); // loosened by hand: the daemon still checks who calls
      const other = as(['--regid=65534', '--clear-groups']);
      assert.deepEqual([other.status, other.stdout], [0, version]);
      assert.match(other.stderr, /direct path: not root nor in the socket's group/);
      const log = readFileSync(join(gRoot, 'daemon.log'), 'utf8');
      assert.match(log, /pid=\d+ uid=65534 gid=65534 tsnet "--version" "--debug": exit 0 in /);
      assert.match(log, new RegExp(`pid=\\d+ uid=65534 gid=${gid} tsnet "--version" "--debug": exit 0 in `));
      assert.match(log, /pid=\d+ uid=65534 gid=65534 tsnet "--version" "--debug": not served \(not root nor in the socket's group\)/);
    } finally {
      d.kill('SIGTERM');
      await stopped(d);
    }
  });

  test('it holds published host ports, so no other program can take them', async () => {
    const g = t.make('g');
    assert.equal(cli(['network', 'create', 'held', '--subnet', '10.77.0.0/24']).status, 0);
    assert.equal(cli(['attach', 'held', g]).status, 0);
    assert.equal(cli(['port', 'publish', g, '-p', '18080:80']).status, 0);
    const bind = (): string => spawnSync('ip', ['netns', 'exec', host, process.execPath, '-e',
      "require('net').createServer().listen(18080).on('listening', () => { console.log('bound'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })"], { encoding: 'utf8' }).stdout.trim();
    assert.equal(bind(), 'EADDRINUSE');
    // A CLI process unpublishes while the daemon still holds the port (it lets go at its next
    // sync, within seconds): the daemon's own socket does not block publishing it again.
    assert.equal(cli(['port', 'unpublish', g, '18080'], { direct: true }).status, 0);
    const again = cli(['port', 'publish', g, '-p', '18080:80']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(bind(), 'EADDRINUSE');
    assert.equal(cli(['port', 'unpublish', g, '18080']).status, 0);
    assert.equal(bind(), 'bound');
    assert.equal(cli(['detach', g]).status, 0);
    assert.equal(cli(['network', 'rm', 'held']).status, 0);
  });

  test('it is the lease keeper: a keeper process running before it stops, its DHCP server answers from the daemon', async () => {
    const ns = t.make('dh');
    const dhRoot = t.tmpdir();
    const g = t.make('dg');
    const dhEnv = { ...env(), TSNET_ROOT: dhRoot };
    const run = (args: string[], extra: Record<string, string> = {}): Run => {
      const r = spawnSync('ip', ['netns', 'exec', ns, TSNET_BIN, ...args], { env: { ...dhEnv, ...extra }, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    assert.equal(run(['network', 'create', 'dl', '--subnet', '10.89.0.0/24', '--dhcp-server'], { TSNET_NO_DAEMON: '1' }).status, 0);
    const standalone = await waitFor(() => keeperPid(dhRoot), 5000, 'the keeper process the CLI starts');
    const d = spawn('ip', ['netns', 'exec', ns, TSNET_BIN, 'daemon'], { env: dhEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((resolve) => d.stderr!.on('data', (b: Buffer) => { if (b.toString().includes('serving')) resolve(); }));
      assert.equal(keeperPid(dhRoot), d.pid, 'the daemon holds the keeper role');
      await waitFor(() => !existsSync(`/proc/${standalone}`) || /^\S+ \S+ Z/.test(readFileSync(`/proc/${standalone}/stat`, 'utf8')), 5000, 'the keeper process to stop');
      assert.equal(run(['attach', 'dl', g, '0/0']).status, 0);
      const u = spawnSync('ip', ['netns', 'exec', g, '/bin/busybox', 'udhcpc', '-q', '-n', '-t', '5', '-i', 'eth1', '-s', '/bin/true'], { encoding: 'utf8' }).stderr;
      assert.match(u, /lease of 10\.89\.0\.\d+ obtained from 10\.89\.0\.1/, 'the DHCP server runs in the daemon');
      assert.equal(run(['detach', g]).status, 0);
    } finally {
      d.kill('SIGTERM');
      await stopped(d);
    }
    // Without the daemon, the next command starts a keeper process again.
    assert.equal(run(['ls'], { TSNET_NO_DAEMON: '1' }).status, 0);
    const again = await waitFor(() => keeperPid(dhRoot), 5000, 'a keeper process once the daemon is gone');
    assert.notEqual(again, d.pid);
    assert.equal(run(['network', 'rm', 'dl'], { TSNET_NO_DAEMON: '1' }).status, 0);
    stopKeeper(dhRoot);
  });

  test('a client killed mid-request does not stop it half-way: the operation completes in the daemon', async () => {
    const { holder, client: create } = await waitingForHostLock(['network', 'create', 'orphan', '--subnet', '10.78.0.0/24']);
    create.kill('SIGKILL');
    await stopped(create);
    assert.notEqual(holder.exitCode, 0, 'the lock was still held when the client died');
    await stopped(holder);
    const done = /"network" "create" "orphan".*: exit 0 in .* \(client left before the end\)/;
    await waitFor(() => done.test(readFileSync(join(root, 'daemon.log'), 'utf8')), 10_000, 'the daemon to finish the orphaned request');
    const net = (JSON.parse(cli(['network', 'ls', '--json']).stdout) as Array<{ name: string; bridge: string }>).find((n) => n.name === 'orphan');
    assert.ok(net, 'the network was created after its client was gone');
    assert.match(sh(['ip', '-n', host, '-br', 'addr', 'show', 'dev', net.bridge]), /10\.78\.0\.1\/24/);
    assert.equal(cli(['network', 'rm', 'orphan']).status, 0);
  });

  test("Ctrl-C reaches the command: its client ends with 130 and the command makes no change", async () => {
    const { holder, client: create } = await waitingForHostLock(['network', 'create', 'stopped', '--subnet', '10.79.0.0/24']);
    create.kill('SIGINT');
    assert.equal(await stopped(create), 130);
    assert.notEqual(holder.exitCode, 0, 'answered while the command still waited for the lock');
    await stopped(holder);
    await waitFor(() => /"network" "create" "stopped".*: exit 130/.test(readFileSync(join(root, 'daemon.log'), 'utf8')), 10_000, 'the interrupted command to end');
    assert.equal((JSON.parse(cli(['network', 'ls', '--json']).stdout) as Array<{ name: string }>).some((n) => n.name === 'stopped'), false);
  });

  test('SIGHUP reopens the log (after logrotate moved it away)', async () => {
    const log = join(root, 'daemon.log');
    renameSync(log, `${log}.1`);
    daemon!.kill('SIGHUP');
    for (let i = 0; i < 500 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 20));
    const rotated = statSync(`${log}.1`).size;
    assert.equal(cli(['--version']).status, 0);
    // The daemon writes the request's log line as it finishes, maybe after the client has exited:
    // wait for it (up to 10 s on a loaded machine) rather than read once.
    const logged = () => existsSync(log) && /"--version": exit 0/.test(readFileSync(log, 'utf8'));
    for (let i = 0; i < 500 && !logged(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(readFileSync(log, 'utf8'), /"--version": exit 0/);
    assert.equal(statSync(`${log}.1`).size, rotated, 'nothing more goes to the rotated file');
  });

  test('SIGTERM lets a running request finish, then the daemon is gone and calls run directly', async () => {
    const archive = readFileSync(join(work, 'rel.tar'));
    assert.equal(cli(['rmi', 'busybox']).status, 0);
    // load waits for its stdin, which arrives after the SIGTERM.
    const load = spawn('ip', ['netns', 'exec', host, TSNET_BIN, 'load'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    load.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise((r) => setTimeout(r, 500));
    daemon!.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    load.stdin!.end(archive);
    assert.equal(await stopped(load), 0);
    assert.match(out, /Loaded image: docker\.io\/library\/busybox:latest/);
    assert.equal(await stopped(daemon!), 0);
    assert.equal(existsSync(socket), false, 'socket removed');
    assert.equal(existsSync(pidfileFor(socket)), false, 'pidfile removed');
    assert.match(cli(['images', '--debug']).stderr, /direct path: no daemon answers/);
  });

  test('socket activation: systemd (here systemd-socket-activate) passes the socket, the first call starts it', { skip: !existsSync('/usr/bin/systemd-socket-activate') && 'no systemd-socket-activate' }, async () => {
    const ns = t.make('sa');
    const saRoot = t.tmpdir();
    const saSocket = socketPathFor(realpathSync(saRoot));
    const sa = spawn('ip', ['netns', 'exec', ns, 'systemd-socket-activate', '-l', saSocket, process.execPath, `${TSNET_BIN}.js`, 'daemon', '--root', saRoot], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 10_000;
      while (!existsSync(saSocket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const r = cli(['--version', '--debug', '--root', saRoot], { ns });
      assert.deepEqual([r.status, r.stdout], [0, cli(['--version'], { direct: true }).stdout]);
      assert.match(r.stderr, /daemon path: .*exit status 0/s);
    } finally {
      sa.kill('SIGTERM');
      await stopped(sa);
      rmSync(saSocket, { force: true }); // systemd removes it (RemoveOnStop); this stand-in does not
    }
  });

  test('kill -9 mid-request: the client says so in one line, the next call runs directly, a new daemon starts', async () => {
    await startDaemon();
    const load = spawn('ip', ['netns', 'exec', host, TSNET_BIN, 'load'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    load.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    await new Promise((r) => setTimeout(r, 500));
    daemon!.kill('SIGKILL');
    assert.equal(await stopped(load), 1);
    assert.match(err, /^tsnet: error: the tsnet daemon \(pid \d+\) stopped before this command finished; the next tsnet command or tsnet gc finishes or undoes what it left\n$/);
    assert.equal(existsSync(socket), true, 'a dead daemon leaves its socket file');
    const after = cli(['images', '--debug']);
    assert.equal(after.status, 0);
    assert.match(after.stderr, /direct path: no daemon answers/);
    await startDaemon();
    assert.match(cli(['images', '--debug']).stderr, /daemon path/);
  });

  test('kill -9 in the middle of an operation (a container start, at a known step): one line, and the next command undoes the record it left', async () => {
    const veths = (): string[] => sh(['ip', '-n', host, '-o', 'link', 'show', 'type', 'veth']).split('\n').filter(Boolean);
    const pid = daemon!.pid;
    const r = cli(['run', '-d', '--name', 'halfway', 'busybox', 'sleep', '600'], { env: { TSNET_TEST_HOOKS: '1', TSNET_KILL_AT: 'container-start:go' } });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `tsnet: error: the tsnet daemon (pid ${pid}) stopped before this command finished; the next tsnet command or tsnet gc finishes or undoes what it left\n`);
    await stopped(daemon!);
    const gc = cli(['gc'], { direct: true });
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stdout, /container-start|halfway/);
    const halfway = (JSON.parse(cli(['ps', '-a', '--json'], { direct: true }).stdout) as Array<{ name: string; state: string }>).find((c) => c.name === 'halfway');
    assert.equal(halfway?.state, 'created');
    assert.deepEqual(veths(), [], 'its network came down with the record');
    await startDaemon();
    assert.equal(cli(['start', 'halfway']).status, 0, 'and it starts fine afterwards');
    assert.equal(cli(['rm', '-f', 'halfway']).status, 0);
  });
});
