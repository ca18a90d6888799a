/**
 * bench/lib/containerd — Debian's containerd as an anchor: started by the bench with a
 * root, state, socket and opt dir of its own under the bench's temp dir (the machine's
 * containerd, if any, is never touched), CRI disabled; stop() ends exactly that process.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';

export interface Containerd { socket: string; ctr(args: string[]): string[]; stop(): Promise<void> }

export async function startContainerd(dir: string): Promise<Containerd> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  fs.writeFileSync(config, `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(dir, 'opt')}"
`);
  const log = fs.openSync(join(dir, 'log'), 'w');
  const child = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const ctr = (args: string[]): string[] => ['ctr', '-a', socket, '-n', 'tsnet-bench', ...args];
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (spawnSync('ctr', ['-a', socket, 'version'], { stdio: 'ignore' }).status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`containerd did not start: ${fs.readFileSync(join(dir, 'log'), 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    socket, ctr,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
