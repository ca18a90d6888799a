/**
 * containers — kernel-test fixture for the runtime: a "host" netns (tsnet-t-*), a state root
 * with the busybox image imported, and the CLI run inside that host either as `ip netns
 * exec` does (a private mount namespace with a fresh /sys: tsnet mounts cgroupfs itself) or
 * as `nsenter --net=` does (the machine's mounts). cleanup() force-removes every container,
 * then the namespaces and directories, and never throws.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { busyboxTar } from './busybox';
import { TestNetns } from './netns';
import { ok, TSNET_BIN, tsnetIn, type CliResult } from './tsnet';

export type Launcher = 'ip-netns-exec' | 'nsenter';

export class ContainerHost {
  readonly t = new TestNetns();
  readonly host: string;
  readonly root: string;

  constructor(readonly launcher: Launcher = 'ip-netns-exec') {
    this.host = this.t.make('host');
    this.root = this.t.tmpdir();
    const work = this.t.tmpdir();
    busyboxTar(work, join(work, 'bb.tar'));
    ok(this.cli(['import', join(work, 'bb.tar'), 'busybox:latest']));
  }

  /** cli — tsnet ARGS inside the host netns, synchronously. */
  cli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): CliResult {
    if (this.launcher === 'ip-netns-exec' && opts.input === undefined && opts.timeoutMs === undefined) return tsnetIn(this.host, this.root, args, { env: opts.env });
    const pre = this.launcher === 'nsenter' ? ['nsenter', `--net=/run/netns/${this.host}`] : ['ip', 'netns', 'exec', this.host];
    const r = spawnSync(pre[0]!, [...pre.slice(1), TSNET_BIN, ...args.slice(0, 1), '--root', this.root, ...args.slice(1)], {
      encoding: 'utf8', env: { ...process.env, ...(opts.env ?? {}) }, input: opts.input, timeout: opts.timeoutMs,
    });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  }

  /** inHost — a command in the host netns (the machine's mounts). */
  inHost(argv: string[]): CliResult {
    const r = spawnSync('nsenter', [`--net=/run/netns/${this.host}`, ...argv], { encoding: 'utf8', timeout: 10000 });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  }

  /** leftovers — what a removed container could leave: container dirs, cgroups, netns pins of this root, mounts under it. */
  leftovers(): string[] {
    const out: string[] = [];
    // The machine's mount namespace: what nsenter-run tsnet (and export, cp) mount lands here.
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const point = line.split(' ')[4];
      if (point?.startsWith(`${this.root}/`)) out.push(`mount ${point}`);
    }
    const dir = join(this.root, 'containers');
    if (existsSync(dir)) out.push(...readdirSync(dir).map((d) => `container dir ${d}`));
    const rootId = this.rootId();
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const d = join('/sys/fs/cgroup', h, 'tsnet', rootId);
      if (!existsSync(d)) continue;
      const ids = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `cgroup ${h}/${e.name}`);
      // The root's own cgroup goes with its last container.
      out.push(...(ids.length > 0 ? ids : [`cgroup ${h}/tsnet/${rootId}`]));
    }
    const ids = existsSync(dir) ? readdirSync(dir) : [];
    for (const n of existsSync('/run/netns') ? readdirSync('/run/netns') : []) if (ids.some((id) => n === `tsnet-${id.slice(0, 16)}`)) out.push(`netns ${n}`);
    return out;
  }

  rootId(): string {
    const db = new Database(join(this.root, 'state.db'), { readonly: true, timeout: 5000 });
    try { return (db.prepare("SELECT value FROM meta WHERE key = 'root_id'").get() as { value: string }).value; } finally { db.close(); }
  }

  cleanup(): void {
    try {
      const ps = this.cli(['ps', '-aq']);
      const ids = ps.stdout.split('\n').filter(Boolean);
      if (ids.length > 0) this.cli(['rm', '-f', ...ids]);
    } catch { /* best effort */ }
    this.t.cleanup();
  }
}
