// Runs the compiled tests with node:test. Node 20 neither expands globs nor finds files
// by itself, so this lists dist/test/<suite>/**/*.test.js and hands them over explicitly.
// Usage: node test/run.mjs [unit|kernel|e2e|e2e:daemon ...]
// e2e:daemon runs the e2e files again with TSNET_TEST_DAEMON=1: every state root they use is
// served by a tsnet daemon, and each call goes through the native client to it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'kernel', 'e2e', 'e2e:daemon'];
function walk(dir, files) {
  let entries;
  try { entries = readdirSync(dir); } catch { return files; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, files);
    else if (e.endsWith('.test.js')) files.push(p);
  }
  return files;
}
let status = 0;
for (const [daemon, names] of [[false, suites.filter((s) => s !== 'e2e:daemon')], [true, suites.filter((s) => s === 'e2e:daemon')]]) {
  if (names.length === 0) continue;
  const files = names.flatMap((s) => walk(join('dist', 'test', s === 'e2e:daemon' ? 'e2e' : s), []));
  if (files.length === 0) {
    console.error(`no test files under dist/test/{${names.join(',')}}`);
    process.exit(1);
  }
  if (daemon) console.log('# e2e again, every state root served by a tsnet daemon (TSNET_TEST_DAEMON=1)');
  // Kernel tests share the machine's kernel; running files one at a time keeps them legible.
  const env = daemon ? { ...process.env, TSNET_TEST_DAEMON: '1' } : process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
  status ||= r.status ?? 1;
}
process.exit(status);
