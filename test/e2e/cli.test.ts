/**
 * End-to-end: the CLI as a user meets it — help with real examples, version, usage errors,
 * --json errors, --dry-run changing nothing, and the README's demos.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsJson, linksJson, rootSkip, sh, snapshot, TestNetns } from '../helpers/netns';
import { TSNET_BIN, ok, tsnetIn } from '../helpers/tsnet';
import { buildProgram } from '../../src/cli/main';
import { commandTree, visibleCommands } from '../../src/cli/command-tree';
import { EXIT_CODES } from '../../src/core/errors';

/** commandPaths — every command a user may type ("network create"), from the definitions. */
function commandPaths(): string[] {
  return visibleCommands(commandTree(buildProgram())).map((c) => c.path);
}

function tsnetAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSNET_BIN, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function tsnet(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(TSNET_BIN, args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli', () => {
  test('--help lists the commands and real examples', () => {
    const r = tsnet(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['attach', 'detach', 'route', 'rule', 'tc', 'ls', 'inspect', 'gc', 'network']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
    assert.match(r.stdout, /tsnet attach br0 web 192\.168\.115\.10\/24@192\.168\.115\.2/);
  });

  test('each command has help with an example', () => {
    for (const cmd of ['attach', 'detach', 'route', 'rule', 'tc', 'ls', 'inspect', 'gc', 'network create', 'network ls', 'network inspect', 'network rm']) {
      const r = tsnet([...cmd.split(' '), '--help']);
      assert.equal(r.status, 0, cmd);
      assert.match(r.stdout, /Examples?:\n\s+tsnet /, `${cmd} --help shows an example`);
    }
  });

  test('--version', () => {
    assert.match(tsnet(['--version']).stdout, /^\d+\.\d+\.\d+/);
  });

  test('usage errors exit 2', () => {
    assert.equal(tsnet(['frobnicate']).status, 2);
    assert.equal(tsnet(['attach', '--no-such-flag']).status, 2);
  });

  test('usage errors are one line "tsnet: error: …" naming the fix, JSON under --json, exit 2', () => {
    for (const args of [['frobnicate'], ['ls', '--bogus'], ['network', 'create'], ['attach', '--no-such-flag']]) {
      const r = tsnet(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^tsnet: error: .+ \(see tsnet[a-z ]* --help\)\n$/, args.join(' '));
      const j = tsnet([...args, '--json']);
      assert.equal(j.status, 2);
      assert.deepEqual(Object.keys(JSON.parse(j.stdout) as object), ['error', 'code']);
      assert.equal((JSON.parse(j.stdout) as { code: string }).code, 'EUSAGE');
    }
    assert.match(tsnet(['network', 'create']).stderr, /missing required argument 'name' \(see tsnet network create --help\)/);
    // A lone `--` (globals may come first) is a one-line error too, not the whole help.
    for (const args of [['--'], ['--root', '/tmp', '--']]) {
      const r = tsnet(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr, "tsnet: error: '--' ends the options, but no command follows it (see tsnet --help)\n");
    }
    const j = tsnet(['--json', '--']);
    assert.equal(j.status, 2);
    assert.equal((JSON.parse(j.stdout) as { code: string }).code, 'EUSAGE');
    assert.equal(tsnet(['--', 'completion', 'bash']).status, 0, 'a command after -- still runs');
  });

  test('tsnet help CMD SUB is that command\'s help; tsnet help exit-codes lists every status', () => {
    const r = tsnet(['help', 'network', 'create']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: tsnet network create \[options\] <name>/);
    const codes = tsnet(['help', 'exit-codes']).stdout;
    for (const [n, names] of EXIT_CODES) assert.match(codes, new RegExp(`\\b${n}\\b.*${names.split(', ')[0] ?? ''}`));
  });

  test('every command: an example, the global options line, 80 columns when piped; globals listed once', async () => {
    const top = tsnet(['--help']).stdout;
    assert.match(top, /--firewall-backend <name>/);
    assert.match(top, /Exit status:/);
    // All help pages at once: one CLI start each, run side by side.
    const paths = commandPaths();
    const pages = await Promise.all(paths.map((c) => tsnetAsync([...c.split(' '), '--help'])));
    for (const [i, c] of paths.entries()) {
      const r = pages[i]!;
      assert.equal(r.status, 0, c);
      assert.match(r.stdout, /Examples?:\n\s+(tsnet |echo |source |systemctl )/, `${c} --help shows an example`);
      assert.match(r.stdout, /Global options: --root DIR, --json, --debug, --firewall-backend NAME,\n  anywhere on the line/, c);
      assert.doesNotMatch(r.stdout, /^\s+--(root|json|debug|firewall-backend)\b/m, `${c} does not repeat the global options`);
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${c}: ${line.length} columns: ${line}`);
    }
    assert.doesNotMatch(tsnet(['login', '--help']).stdout, /--storage-driver/);
  });

  test('bash completion, generated from the command definitions, completes commands, options and choices', () => {
    const script = tsnet(['completion', 'bash']);
    assert.equal(script.status, 0);
    const complete = (...words: string[]): string[] => {
      const r = spawnSync('bash', ['-c', 'eval "$SCRIPT"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _tsnet; printf "%s\\n" "${COMPREPLY[@]}"', 'bash', 'tsnet', ...words],
        { encoding: 'utf8', env: { ...process.env, SCRIPT: script.stdout } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(complete('net'), ['network']);
    assert.deepEqual(complete('network', 'cr'), ['create']);
    assert.deepEqual(complete('--root', '/tmp', 'network', 'cr'), ['create'], 'an option value is skipped');
    assert.ok(complete('attach', '--d').includes('--dry-run'));
    assert.ok(complete('detach', '--').includes('--json'), 'global options on every command');
    assert.deepEqual(complete('--firewall-backend', ''), ['iptables', 'nftables', 'none']);
    for (const c of commandPaths()) {
      const words = c.split(' ');
      const last = words.pop()!;
      assert.ok(complete(...words, last.slice(0, 2)).includes(last), `completion offers ${c}`);
    }
    assert.equal(tsnet(['completion', 'zsh']).status, 0);
    assert.match(tsnet(['completion', 'fish']).stdout, /complete -c tsnet -n '__tsnet_at "network"' -a create/);
    assert.equal(tsnet(['completion', 'tcsh']).status, 2);
  });

  test('the man page tsnet(1), generated at build time, renders with man and covers every command and exit status', () => {
    const page = join(__dirname, '..', '..', 'man', 'tsnet.1');
    const man = (width: string): ReturnType<typeof spawnSync> => spawnSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: width, PAGER: 'cat' } });
    assert.equal(man('80').status, 0, String(man('80').stderr));
    const r = man('250'); // wide: each exit status on one line
    const warnings = spawnSync('groff', ['-man', '-ww', '-z', page], { encoding: 'utf8' });
    assert.equal(warnings.stderr, '', 'groff has no warnings');
    const text = String(r.stdout).replace(/.\x08/g, '');
    for (const c of commandPaths()) assert.match(text, new RegExp(`^ {3}tsnet ${c} `, 'm'), `man page has a section for ${c}`);
    assert.match(text, /^EXIT STATUS/m);
    for (const [n, names] of EXIT_CODES) if (names) assert.match(text, new RegExp(`^ {7}${n} +.*\\(${names}\\)$`, 'm'), `exit status ${n}`);
  });

  test('--json errors are {"error","code"} with the class exit status', () => {
    const r = tsnet(['attach', 'br0', 'web', '10.0.0.1/99', '--json']);
    assert.equal(r.status, 2);
    const body = JSON.parse(r.stdout) as { error: string; code: string };
    assert.equal(body.code, 'EINVAL');
    assert.match(body.error, /10\.0\.0\.1\/99/);
  });
});

describe('cli against the kernel', { skip: rootSkip }, () => {
  const t = new TestNetns();
  after(() => t.cleanup());

  test('--dry-run prints the plan and changes nothing', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const before = [snapshot(host), snapshot(g)];
    const r = ok(tsnetIn(host, root, ['attach', '--dry-run', 'br0', g, '10.0.0.2/24@10.0.0.1']));
    assert.match(r.stdout, /create-bridge: create bridge br0/);
    assert.match(r.stdout, /create-veth: create veth tsn[0-9a-f]{12} <-> eth1/);
    assert.match(r.stdout, /default-route: replace the default route with via 10\.0\.0\.1 dev eth1/);
    assert.deepEqual([snapshot(host), snapshot(g)], before);
    assert.equal(ok(tsnetIn(host, root, ['ls', '--json'])).stdout.trim(), '[]');
    ok(tsnetIn(host, root, ['attach', 'br0', g, '10.0.0.2/24']));
    const attached = [snapshot(host), snapshot(g)];
    assert.match(ok(tsnetIn(host, root, ['detach', '--dry-run', g])).stdout, /would detach netns:\S+ eth1 \(veth on br0\)/);
    assert.match(ok(tsnetIn(host, root, ['route', '--dry-run', g, 'add', '10.9.0.0/16', 'via', '10.0.0.1'])).stdout, /would run in netns:\S+: ip route add 10\.9\.0\.0\/16 via 10\.0\.0\.1/);
    assert.deepEqual([snapshot(host), snapshot(g)], attached, 'dry runs of detach and route change nothing');
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('global options work before the command too: tsnet --debug detach', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['attach', 'br0', g, '10.0.2.2/24']));
    const r = spawnSync('ip', ['netns', 'exec', host, TSNET_BIN, '--debug', '--root', root, 'detach', g], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /tsnet: debug: .*(netlink|delete|link)/, 'engine debug lines');
  });

  test('route/rule/tc: no arguments list, --dry-run anywhere is tsnet\'s, errors are the tool\'s own line, bad words exit 2', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['attach', 'br0', g, '10.0.3.2/24']));
    assert.match(ok(tsnetIn(host, root, ['route', g])).stdout, /^10\.0\.3\.0\/24 dev eth1 proto kernel scope link src 10\.0\.3\.2/m);
    assert.match(ok(tsnetIn(host, root, ['rule', g])).stdout, /32766:\s+from all lookup main/);
    assert.match(ok(tsnetIn(host, root, ['tc', g])).stdout, /dev eth1 root/);
    const before = snapshot(g);
    assert.equal(ok(tsnetIn(host, root, ['route', g, 'add', '10.10.0.0/16', 'via', '10.0.3.1', '--dry-run'])).stdout,
      `would run in netns:${g}: ip route add 10.10.0.0/16 via 10.0.3.1\n`);
    assert.equal(snapshot(g), before);
    const syntax = tsnetIn(host, root, ['route', g, 'add', '10.10.0.0/16', 'vi', '10.0.3.1']);
    assert.equal(syntax.status, 2);
    assert.equal(syntax.stderr, `tsnet: error: ip route in netns:${g}: either "to" is duplicate, or "vi" is a garbage.\n`);
    const refused = tsnetIn(host, root, ['route', g, 'add', '10.10.0.0/16', 'via', '10.99.0.1']);
    assert.equal(refused.status, 6);
    assert.doesNotMatch(refused.stderr, /nsenter|\/proc\//);
    const tc = tsnetIn(host, root, ['tc', g, 'qdisc', 'add', 'dev', 'eth1', 'root', 'tbf', 'rate']);
    assert.equal(tc.status, 2);
    assert.match(tc.stderr, /^tsnet: error: tc qdisc in netns:\S+: Command line is not complete/);
    assert.match(ok(tsnetIn(host, root, ['route', g, '-6'])).stdout, /fe80::\/64 dev eth1/, '-6 after the object goes where ip takes it');
    ok(tsnetIn(host, root, ['detach', g]));
  });

  test('not root: "needs root" said as such (exit 11); an unusable --root names the cause and the fix (exit 7)', () => {
    const asNobody = spawnSync(TSNET_BIN, ['attach', 'br0', 'web', '10.0.0.2/24'], { encoding: 'utf8', uid: 65534, gid: 65534 });
    assert.equal(asNobody.status, 11, asNobody.stderr);
    assert.match(asNobody.stderr, /^tsnet: error: tsnet attach needs root .*run it as root/);
    assert.equal(spawnSync(TSNET_BIN, ['completion', 'bash'], { encoding: 'utf8', uid: 65534, gid: 65534 }).status, 0, 'completion needs no root');
    const file = tsnet(['ls', '--root', '/etc/hostname']);
    assert.equal(file.status, 7);
    assert.match(file.stderr, /it is a file, not a directory; give --root a directory/);
    const dir = t.tmpdir();
    const ro = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" ls --root "$1/state"', 'sh', dir, TSNET_BIN], { encoding: 'utf8' });
    assert.equal(ro.status, 7, ro.stderr);
    assert.match(ro.stderr, /the file system is read-only; give --root a writable directory/);
    const unreachable = tsnet(['pull', '127.0.0.1:1/busybox:latest', '--root', t.tmpdir(), '--json']);
    assert.equal(unreachable.status, 10, 'a peer failure has its own class');
    assert.deepEqual(JSON.parse(unreachable.stdout), { error: 'cannot reach registry 127.0.0.1:1: ECONNREFUSED: connection refused', code: 'EPEER' });
  });

  test('conflicting requests are refused with exit 4 naming the difference; the same request again is a no-op', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['init', '--bip', '172.29.0.1/16', '--iptables', 'false']));
    ok(tsnetIn(host, root, ['init', '--bip', '172.29.0.1/16']));
    const init = tsnetIn(host, root, ['init', '--bip', '172.30.0.1/16']);
    assert.equal(init.status, 4);
    assert.match(init.stderr, /^tsnet: error: tsnet0 already exists with subnet 172\.29\.0\.0\/16 \(asked: 172\.30\.0\.0\/16\), gateway 172\.29\.0\.1 \(asked: 172\.30\.0\.1\)/);
    ok(tsnetIn(host, root, ['network', 'create', 'lab', '--subnet', '10.87.0.0/24']));
    ok(tsnetIn(host, root, ['network', 'connect', '--ip', '10.87.0.5', 'lab', g]));
    assert.match(ok(tsnetIn(host, root, ['network', 'connect', '--ip', '10.87.0.5', 'lab', g])).stdout, /nothing to do/);
    const other = tsnetIn(host, root, ['network', 'connect', '--ip', '10.87.0.6', 'lab', g]);
    assert.equal(other.status, 4);
    assert.match(other.stderr, /already on network lab as eth1 \(10\.87\.0\.5\/24\), not 10\.87\.0\.6; disconnect it first/);
    const second = tsnetIn(host, root, ['network', 'connect', '-i', 'eth5', 'lab', g]);
    assert.equal(second.status, 4);
    assert.match(second.stderr, /a guest joins a network once/);
    assert.equal(linksJson(g).some((l) => l.ifname === 'eth5'), false);
    ok(tsnetIn(host, root, ['network', 'disconnect', 'lab', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'lab', 'tsnet0']));
  });

  test('ls shows network names, real MACs and a STATE from the kernel (a deleted netns shows as gone)', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'lsnet', '--subnet', '10.86.0.0/24']));
    ok(tsnetIn(host, root, ['attach', 'lsnet', g]));
    const mac = linksJson(g).find((l) => l.ifname === 'eth1')!.address!;
    const ls = ok(tsnetIn(host, root, ['ls'])).stdout.split('\n');
    assert.match(ls[0]!, /^GUEST\s+IFACE\s+NETWORK\s+KIND\s+HOST-IF\s+ADDRESSES\s+GATEWAY\s+MAC\s+VLAN\s+DHCP\s+STATE$/);
    assert.match(ls[1]!, new RegExp(`^netns:${g}\\s+eth1\\s+lsnet\\s+veth\\s+tsn\\w+\\s+10\\.86\\.0\\.2/24\\s+10\\.86\\.0\\.1\\s+${mac}\\s+-\\s+-\\s+up$`));
    const [view] = JSON.parse(ok(tsnetIn(host, root, ['ls', '--json'])).stdout) as Array<{ network: string; state: string; mac: string }>;
    assert.deepEqual([view?.network, view?.state, view?.mac], ['lsnet', 'up', mac]);
    sh(['ip', 'netns', 'del', g]);
    assert.match(ok(tsnetIn(host, root, ['ls'])).stdout, /\sgone\n$/, 'the netns is gone: so says ls, before any gc');
    ok(tsnetIn(host, root, ['gc']));
    ok(tsnetIn(host, root, ['network', 'rm', 'lsnet']));
  });

  test('tsnet port GUEST lists its published ports as docker port does', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'pn', '--subnet', '10.85.0.0/24']));
    ok(tsnetIn(host, root, ['attach', 'pn', g]));
    ok(tsnetIn(host, root, ['port', 'publish', g, '-p', '8080:80', '-p', '5353:53/udp']));
    assert.equal(ok(tsnetIn(host, root, ['port', g])).stdout, '80/tcp -> 0.0.0.0:8080\n53/udp -> 0.0.0.0:5353\n');
    assert.equal(ok(tsnetIn(host, root, ['port', g, '53/udp'])).stdout, '0.0.0.0:5353\n', 'given the port, only where it is published (docker port)');
    const none = tsnetIn(host, root, ['port', g, '81']);
    assert.equal(none.status, 3);
    assert.equal(none.stderr, `tsnet: error: ${g} has no published port 81/tcp\n`);
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'pn']));
  });

  test('listings take -q and --format as docker\'s do (network ls, ls, port ls, port GUEST)', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'fa', '--subnet', '10.84.0.0/24']));
    ok(tsnetIn(host, root, ['network', 'create', 'fb-long-name', '--subnet', '10.84.1.0/24']));
    ok(tsnetIn(host, root, ['attach', 'fa', g]));
    ok(tsnetIn(host, root, ['network', 'connect', 'fb-long-name', g]));
    ok(tsnetIn(host, root, ['port', 'publish', g, '-i', 'eth1', '-p', '8080:80', '-p', '5353:53/udp']));
    assert.equal(ok(tsnetIn(host, root, ['network', 'ls', '-q'])).stdout, 'fa\nfb-long-name\n');
    assert.equal(ok(tsnetIn(host, root, ['network', 'ls', '--format', '{{.Name}}\\t{{.Subnet}}'])).stdout, 'fa\t10.84.0.0/24\nfb-long-name\t10.84.1.0/24\n');
    assert.equal(ok(tsnetIn(host, root, ['network', 'ls', '--format', 'table {{.Name}}\\t{{.Subnet}}\\t{{.Internal}}'])).stdout,
      'NAME           SUBNET         INTERNAL\nfa             10.84.0.0/24   false\nfb-long-name   10.84.1.0/24   false\n');
    assert.equal(ok(tsnetIn(host, root, ['ls', '-q'])).stdout, `netns:${g}\n`, 'a guest once, however many attachments');
    assert.equal(ok(tsnetIn(host, root, ['ls', '--format', '{{.Interface}} {{.Network}} {{join .Addresses ","}} {{.State}}'])).stdout,
      'eth1 fa 10.84.0.2/24 up\neth2 fb-long-name 10.84.1.2/24 up\n');
    assert.equal(ok(tsnetIn(host, root, ['port', 'ls', '--format', '{{.HostPort}}/{{.Protocol}} {{json .ContainerPort}}'])).stdout, '8080/tcp 80\n5353/udp 53\n');
    assert.equal(ok(tsnetIn(host, root, ['port', g, '-q'])).stdout, '80/tcp\n53/udp\n');
    assert.equal(ok(tsnetIn(host, root, ['ls', '--format', 'table {{.Interface}}\\t{{range .Addresses}}{{.}} {{end}}\\t{{if eq .Network "fa"}}first{{else}}{{upper .Network}}{{end}}'])).stdout,
      'INTERFACE   ADDRESSES       NETWORK\neth1        10.84.0.2/24    first\neth2        10.84.1.2/24    FB-LONG-NAME\n');
    assert.equal(ok(tsnetIn(host, root, ['inspect', '-f', '{{.Interface}}={{index .Addresses 0}}', g])).stdout, 'eth1=10.84.0.2/24\neth2=10.84.1.2/24\n');
    assert.equal(ok(tsnetIn(host, root, ['network', 'inspect', '--format', '{{.Subnet}}{{range .Members}} {{.Interface}}{{end}}', 'fa'])).stdout, '10.84.0.0/24 eth1\n');
    assert.equal(ok(tsnetIn(host, root, ['port', g, '--format', 'json'])).stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { hostPort: number }).hostPort).join(), '8080,5353');
    // An unknown field: one usage line naming the valid ones, exit 2, nothing on stdout.
    const bad = tsnetIn(host, root, ['network', 'ls', '--format', 'table {{.Name}}\\t{{.Bogus}}']);
    assert.deepEqual([bad.status, bad.stdout], [2, '']);
    assert.match(bad.stderr, /^tsnet: error: --format: unknown field \.Bogus; valid fields are \.\w+( \.\w+)* \.name .*\.subnet .*\n$/);
    const empty = tsnetIn(host, root, ['lab', 'ls', '--format', '{{.Name}} {{.Bogus}}']);
    assert.deepEqual([empty.status, empty.stdout], [2, ''], 'an empty listing checks the fields too');
    assert.match(empty.stderr, /unknown field \.Bogus; valid fields are \.name \.phase/);
    const both = tsnetIn(host, root, ['port', 'ls', '--json', '--format', '{{.Guest}}']);
    assert.equal(both.status, 2);
    assert.equal((JSON.parse(both.stdout) as { code: string }).code, 'EUSAGE');
    const quiet = tsnetIn(host, root, ['port', 'ls', '-q', '--format', '{{.HostPort}}']);
    assert.deepEqual([quiet.stdout, quiet.stderr], [`netns:${g}\n`, 'WARNING: Ignoring custom format, because both --format and --quiet are set.\n'], '-q wins, as in docker ps');
    ok(tsnetIn(host, root, ['detach', g]));
    ok(tsnetIn(host, root, ['network', 'rm', 'fa', 'fb-long-name']));
  });

  test('network rm tries every argument, one line each, and exits with the first failure\'s status', () => {
    const host = t.make('host');
    const root = t.tmpdir();
    ok(tsnetIn(host, root, ['network', 'create', 'a2', '--subnet', '10.88.0.0/24']));
    ok(tsnetIn(host, root, ['network', 'create', 'a3']));
    const overlap = tsnetIn(host, root, ['network', 'create', 'a4', '--subnet', '10.88.0.0/25']);
    assert.equal(overlap.status, 4);
    // The network named once: not also as its bridge's on-link route and address.
    assert.equal(overlap.stderr, 'tsnet: error: subnet 10.88.0.0/25 overlaps tsnet network a2 (10.88.0.0/24); choose a subnet that does not, or use --subnet auto\n');
    const dry = tsnetIn(host, root, ['network', 'rm', '--dry-run', 'a2', 'nosuch']);
    assert.equal(dry.status, 3, 'a dry run runs the real checks');
    assert.match(dry.stdout, /^would remove network a2 \(bridge br-\w+, subnet 10\.88\.0\.0\/24\)\n$/);
    assert.equal((JSON.parse(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout) as unknown[]).length, 2, 'nothing removed');
    const r = tsnetIn(host, root, ['network', 'rm', 'a2', 'nosuch', 'a3']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'removed network a2\nremoved network a3\n');
    assert.equal(r.stderr, 'tsnet: error: no network named nosuch (see tsnet network ls)\n');
    assert.equal(ok(tsnetIn(host, root, ['network', 'ls', '--json'])).stdout.trim(), '[]');
  });

  test('works when started with nsenter --net= (no /sys/class/net view of its own)', () => {
    const host = t.make('host');
    const g = t.make('g');
    const root = t.tmpdir();
    const viaNsenter = (args: string[]) => spawnSync('nsenter', [`--net=/run/netns/${host}`, '--', TSNET_BIN, ...args, '--root', root], { encoding: 'utf8' });
    const r = viaNsenter(['attach', 'br0', g, '10.0.1.2/24']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(linksJson(host).some((l) => l.ifname === 'br0'), 'the bridge is in the nsenter netns');
    assert.deepEqual(addrsJson(g, 'eth1')[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.0.1.2']);
    assert.equal(viaNsenter(['detach', g]).status, 0);
    assert.deepEqual(linksJson(host).map((l) => l.ifname), ['lo']);
  });

  /** runDemo — runs an example script with its namespaces named tsnet-t-*, and checks none is left. */
  function runDemo(...path: string[]): string {
    const demo = join(__dirname, '..', '..', '..', 'examples', ...path);
    const prefix = `tsnet-t-demo${process.pid}`;
    const r = spawnSync('bash', [demo], { encoding: 'utf8', env: { ...process.env, TSNET_DEMO_PREFIX: prefix } });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /demo ok/);
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(prefix));
    return r.stdout;
  }

  test('the README main job (the two-host lab demo) runs, shows reachability and its picture, and cleans up on request', () => {
    const demo = join(__dirname, '..', '..', '..', 'examples', 'multi-host', 'demo.sh');
    const prefix = `tsnet-t-demo${process.pid}-`;
    const root = t.tmpdir();
    const env = { ...process.env, TSNET_ROOT: root, TSNET_LAB_PREFIX: prefix, TSNET_DEMO_SVG: join(root, 'two-hosts.svg') };
    const up = spawnSync('bash', [demo], { encoding: 'utf8', env, cwd: root });
    try {
      assert.equal(up.status, 0, up.stderr + up.stdout);
      assert.match(up.stdout, /lab two-hosts is up/);
      assert.match(up.stdout, /web +\. +ok\ndb +ok +\./, 'both containers reach each other across the hosts');
      assert.match(up.stdout, /all 2 pairs that should reach do/);
      assert.match(up.stdout, /web +hostA +container +eth1 192\.168\.115\.10\/24 +up/);
      assert.match(up.stdout, /from the one on hostB \(its \/etc\/hostname\)\u001b\[0m\ndb\n/, 'web fetched db\'s page across the hosts');
      assert.match(up.stdout, new RegExp(`graph: ${join(root, 'two-hosts.svg')}`));
      assert.match(readFileSync(join(root, 'two-hosts.svg'), 'utf8'), /<svg[\s\S]*192\.168\.115\.10\/24[\s\S]*192\.168\.115\.11\/24/);
      assert.match(up.stdout, /demo ok/);
      assert.match(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(`${prefix}two-hosts-web`), 'the lab stays up until asked');
      const again = spawnSync('bash', [demo], { encoding: 'utf8', env, cwd: root });
      assert.equal(again.status, 0, again.stderr + again.stdout);
      assert.match(again.stdout, /busybox is already there/);
      assert.match(again.stdout, /lab two-hosts was already up/);
    } finally {
      const down = spawnSync('bash', [demo, 'down'], { encoding: 'utf8', env, cwd: root });
      assert.equal(down.status, 0, down.stderr + down.stdout);
      assert.match(down.stdout, /lab two-hosts is down \(4 namespaces removed\)/);
    }
    assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, new RegExp(prefix));
  });

  test('the attach demo runs and cleans up', () => {
    assert.match(runDemo('attach-demo.sh'), /2 packets transmitted, 2 packets received/);
  });
});
