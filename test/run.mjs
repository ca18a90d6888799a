// Runs the compiled tests with node:test. Node 20 neither expands globs nor finds files
// by itself, so this lists dist/test/<suite>/**/*.test.js and hands them over explicitly.
// Usage: node test/run.mjs [unit|kernel|e2e ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'kernel', 'e2e'];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.test.js')) files.push(p);
  }
}
for (const s of suites) walk(join('dist', 'test', s));
if (files.length === 0) {
  console.error(`no test files under dist/test/{${suites.join(',')}}`);
  process.exit(1);
}
// Kernel tests share the machine's kernel; running files one at a time keeps them legible.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
