/**
 * zsh and fish completion (`tsnet completion zsh|fish`), loaded into the real shells: each
 * script loads without a word on stderr, and Tab after a few words offers what it should —
 * commands, subcommands after their group, the options of the command typed (not of a
 * namesake elsewhere), choices of an option, and nothing stale once a path is complete.
 * bash's completion is tested in cli.test.ts. .ci/run installs zsh and fish.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSNET_BIN } from '../helpers/tsnet';

const DRIVER = join(__dirname, '..', '..', '..', 'test', 'helpers', 'zsh-complete.zsh');
const has = (shell: string): boolean => spawnSync(shell, ['-c', 'true']).status === 0;

const work = mkdtempSync(join(tmpdir(), 'tsnet-completion-'));
after(() => rmSync(work, { recursive: true, force: true }));
// The shells keep history and settings under HOME and XDG dirs: this test's own, not root's.
const env = { ...process.env, HOME: work, XDG_CONFIG_HOME: join(work, 'config'), XDG_DATA_HOME: join(work, 'data'), XDG_CACHE_HOME: join(work, 'cache'), TSNET: TSNET_BIN };

function script(shell: string): string {
  const r = spawnSync(TSNET_BIN, ['completion', shell], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const file = join(work, `tsnet.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

describe('zsh completion', { skip: has('zsh') ? false : 'zsh is not installed (.ci/run installs it)' }, () => {
  test('the script loads without error after compinit, and Tab completes commands, options and choices', () => {
    const load = spawnSync('zsh', ['-f', '-c', 'autoload -U compinit && compinit -u -D && source <("$TSNET" completion zsh)'], { encoding: 'utf8', env });
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stderr, '');
    const file = script('zsh');
    const complete = (line: string): string[] => {
      const r = spawnSync('zsh', ['-f', DRIVER, file, line], { encoding: 'utf8', env, timeout: 60_000 });
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(complete('tsnet net'), ['network']);
    assert.deepEqual(complete('tsnet network cr'), ['create']);
    assert.deepEqual(complete('tsnet --root /tmp network cr'), ['create'], 'an option value is skipped');
    assert.deepEqual(complete('tsnet detach --j'), ['--json'], 'global options on every command');
    assert.deepEqual(complete('tsnet --firewall-backend '), ['iptables', 'nftables', 'none']);
  });
});

describe('fish completion', { skip: has('fish') ? false : 'fish is not installed (.ci/run installs it)' }, () => {
  test('the script loads without error, and complete -C offers commands, the options of the command typed and choices', () => {
    const load = spawnSync('fish', ['--no-config', '-c', '"$TSNET" completion fish | source'], { encoding: 'utf8', env });
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stderr, '');
    const file = script('fish');
    const complete = (line: string): string[] => {
      const r = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line], { encoding: 'utf8', env });
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
      assert.equal(r.stderr, '', line);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
    };
    assert.deepEqual(complete('tsnet net'), ['network']);
    assert.deepEqual(complete('tsnet network cr'), ['create']);
    assert.deepEqual(complete('tsnet --root /tmp network c'), ['connect', 'create'], 'an option value is skipped');
    assert.deepEqual(complete('tsnet network create --sub'), ['--subnet', '--subnet6']);
    assert.deepEqual(complete('tsnet detach --j'), ['--json'], 'global options on every command');
    assert.deepEqual(complete('tsnet --firewall-backend '), ['iptables', 'nftables', 'none'], 'choices only, no file names');
    assert.deepEqual(complete('tsnet network create '), [], 'a finished path is not offered its group\'s subcommands again');
    assert.ok(!complete('tsnet images --').includes('--subnet'), 'another command\'s options are not offered');
  });
});
