/**
 * run() as the daemon uses it: each command in its own scope, with its own stdout, env,
 * --debug and exit status, and a program reused from the previous command without its
 * options leaking into the next. No root needed: `ls` on a throwaway state root.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { run } from '../../../src/cli/main.js';
import type { CommandScope } from '../../../src/core/command-scope.js';
import { routeProcessToCommands } from '../../../src/daemon/routing.js';
import { isDebug } from '../../../src/core/log.js';

const root = mkdtempSync(join(tmpdir(), 'tsnet-u-run-'));
after(() => rmSync(root, { recursive: true, force: true }));
routeProcessToCommands();

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => Buffer.concat(chunks).toString() };
}

async function runCaptured(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = capture();
  const err = capture();
  const scope: CommandScope = { debug: false, io: { stdout: out.stream, stderr: err.stream, stdin: Readable.from([]) as unknown as NodeJS.ReadStream, env: { PATH: process.env['PATH'], ...env } } };
  const status = await run(argv, scope);
  return { status, stdout: out.text(), stderr: err.text() };
}

test('options of one command do not leak into the next one run on the same program', async () => {
  assert.equal((await runCaptured(['ls', '--json', '--root', root])).stdout.trim(), '[]');
  assert.match((await runCaptured(['ls', '--root', root])).stdout, /^GUEST\s+IFACE/);
  assert.equal((await runCaptured(['ls'], { TSNET_ROOT: root, TSNET_DEBUG: '' })).status, 0);
});

test('commands run at once keep their own output, env and exit status', async () => {
  const [a, b, c] = await Promise.all([
    runCaptured(['ls', '--json'], { TSNET_ROOT: root }),
    runCaptured(['frobnicate']),
    runCaptured(['attach', 'br0', 'web', '10.0.0.1/99', '--json']),
  ]);
  assert.deepEqual([a.status, a.stdout.trim()], [0, '[]']);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /unknown command 'frobnicate'/);
  assert.equal(c.status, 2);
  assert.equal(JSON.parse(c.stdout).code, 'EINVAL');
  assert.equal(process.exitCode, undefined, 'nothing process-wide was set');
});

test('--debug is the command\'s own, not the process\'s', async () => {
  const [loud, quiet] = await Promise.all([runCaptured(['ls', '--debug', '--root', root]), runCaptured(['ls', '--root', root])]);
  assert.equal(loud.status, 0);
  assert.equal(quiet.stderr, '');
  assert.equal(isDebug(), false);
});
