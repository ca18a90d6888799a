/**
 * e2e: containers as a user runs them, the way the first lines say: `tsnet run
 * --rm busybox echo hello` prints hello, the command's status is tsnet's, stdout and stderr
 * stay apart, and a detached container's output is in its logs. Under `test/run.mjs
 * e2e:daemon` the same runs are served by a daemon (output through it, exit status back).
 */
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkip } from '../helpers/netns';
import { ok } from '../helpers/tsnet';
import { ContainerHost } from '../helpers/containers';

describe('tsnet run, as users run it', { skip: rootSkip }, () => {
  let h: ContainerHost;
  before(() => { h = new ContainerHost('ip-netns-exec'); });
  after(() => h?.cleanup());

  test('run --rm busybox echo hello prints hello', () => {
    assert.equal(ok(h.cli(['run', '--rm', 'busybox', 'echo', 'hello'])).stdout, 'hello\n');
  });

  test('the exit status, stdout and stderr are the container\'s', () => {
    const r = h.cli(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
  });

  test('-d, logs, rm -f', () => {
    ok(h.cli(['run', '-d', '--name', 'bg', '--network', 'none', 'busybox', 'sh', '-c', 'echo started; sleep 600']));
    for (let i = 0; i < 50 && !h.cli(['logs', 'bg']).stdout; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    assert.equal(ok(h.cli(['logs', 'bg'])).stdout, 'started\n');
    const id = ok(h.cli(['ps', '-q'])).stdout.trim();
    assert.equal(ok(h.cli(['inspect', '-f', '{{.State}} {{.Name}}{{if .Pid}} with a pid{{end}}', 'bg'])).stdout, 'running bg with a pid\n');
    assert.equal(ok(h.cli(['ps', '--format', '{{.ID}} {{.Name}} {{.State}}'])).stdout, `${ok(h.cli(['ps', '-q', '--json'])).stdout.match(/"(\w{64})"/)![1]} bg running\n`);
    ok(h.cli(['rm', '-f', 'bg']));
    assert.equal(ok(h.cli(['ps', '-aq'])).stdout, '');
    // As docker rm -f: nothing of the container runs on (its shim and exit hook included).
    const left = spawnSync('pgrep', ['-f', id], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', `processes of ${id} still running after rm -f`);
  });
});
