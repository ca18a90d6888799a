/**
 * The contributors' linter (scripts/lint.mjs, `npm run lint`): each rule fires on a small bad
 * tree written here and stays quiet on its good twin. The trees carry their own layer map
 * (scripts/layers.mjs under the tree's root), as the repository does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const LINT = join(__dirname, '..', '..', '..', 'scripts', 'lint.mjs');

const MAP = `export const LAYERS = [
  { name: 'entry', folders: ['cli'] },
  { name: 'engine', folders: ['engine'] },
  { name: 'base', folders: ['core'] },
];
export const EXCEPTIONS = [];
`;

interface Problem { file: string; line: number; rule: string; message: string }
type LintFn = (root: string, dirs: string[], map: unknown) => Problem[];
// The linter is an ES module; loaded once, in this process (a spawn per case would load TypeScript each time).
const linter: Promise<{ lint: LintFn }> = import(pathToFileURL(LINT).href) as Promise<{ lint: LintFn }>;

/** tree — writes `files` (path → text) under a fresh root, with the default tree and map. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lint-unit-'));
  const all: Record<string, string> = { 'scripts/layers.mjs': MAP, 'src/cli/x.ts': '', 'src/engine/x.ts': '', 'src/core/x.ts': '', ...files };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

/** lint — the problems the linter finds in a tree, as the CLI prints them, and whether it passes. */
async function lint(files: Record<string, string>): Promise<{ status: number; lines: string[] }> {
  const root = tree(files);
  try {
    const map: unknown = await import(pathToFileURL(join(root, 'scripts', 'layers.mjs')).href);
    const problems = (await linter).lint(root, ['src', 'test'], map);
    return { status: problems.length ? 1 : 0, lines: problems.map((p) => `${p.file}:${p.line}: ${p.rule}: ${p.message}`) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('the command prints file:line: rule: message and exits 1; 0 when clean', () => {
  const root = tree({ 'src/core/low.ts': "import { b } from '../engine/high.js';\nexport const a = b;\n", 'src/engine/high.ts': 'export const b = 1;\n' });
  try {
    const bad = spawnSync(process.execPath, [LINT, '--root', root], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^src\/core\/low\.ts:1: layers: core\/ \(base\) imports engine\/high\.ts from a higher layer \(engine\)/);
    assert.equal(bad.stderr, 'lint: 1 problem\n');
    rmSync(join(root, 'src', 'core', 'low.ts'));
    const good = spawnSync(process.execPath, [LINT, '--root', root], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stdout);
    assert.equal(good.stdout, '');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('layers: an import from a higher layer fails with file:line and the rule; downward passes', async () => {
  const bad = await lint({
    'src/core/low.ts': "export const a = 1;\n\nimport { b } from '../engine/high.js';\n",
    'src/engine/high.ts': "import { a } from '../core/low.js';\nexport const b = a;\n",
  });
  assert.equal(bad.status, 1);
  assert.equal(bad.lines.length, 1, bad.lines.join('\n'));
  assert.match(bad.lines[0]!, /^src\/core\/low\.ts:3: layers: core\/ \(base\) imports engine\/high\.ts from a higher layer \(engine\)/);
  // A lazy require() counts as an import too (the rule is about dependencies, not syntax).
  const lazy = await lint({ 'src/engine/e.ts': "// tsnet-lint-disable-next-line no-require -- lazy\nexport const c = require('../cli/x.js');\n" });
  assert.ok(lazy.lines.some((l) => /^src\/engine\/e\.ts:2: layers: /.test(l)), lazy.lines.join('\n'));
  assert.equal((await lint({ 'src/cli/top.ts': "import { b } from '../engine/high.js';\nexport const c = b;\n", 'src/engine/high.ts': 'export const b = 1;\n' })).status, 0);
});

test('layers: the map must name exactly the folders under src/, and every exception must be used', async () => {
  const r = await lint({ 'src/extra/y.ts': '' });
  assert.ok(r.lines.some((l) => l.includes('layers: src/extra/ is in no layer')), r.lines.join('\n'));
  const withGone = await lint({ 'scripts/layers.mjs': MAP.replace("['core']", "['core', 'gone']") });
  assert.ok(withGone.lines.some((l) => l.includes('LAYERS lists src/gone/, which does not exist')), withGone.lines.join('\n'));
  const map = MAP.replace('EXCEPTIONS = []', "EXCEPTIONS = [{ from: ['core'], to: 'engine/ctx.ts', typeOnly: true, reason: 'test' }]");
  const typeOnly = await lint({ 'scripts/layers.mjs': map, 'src/engine/ctx.ts': 'export class Ctx {}\n', 'src/core/u.ts': "import type { Ctx } from '../engine/ctx.js';\nexport type C = Ctx;\n" });
  assert.equal(typeOnly.status, 0, typeOnly.lines.join('\n'));
  const value = await lint({ 'scripts/layers.mjs': map, 'src/engine/ctx.ts': 'export class Ctx {}\n', 'src/core/u.ts': "import { Ctx } from '../engine/ctx.js';\nexport const c = new Ctx();\n" });
  assert.ok(value.lines.some((l) => l.startsWith('src/core/u.ts:1: layers:')), 'a type-only exception does not let a value import through');
  const unused = await lint({ 'scripts/layers.mjs': map, 'src/engine/ctx.ts': 'export class Ctx {}\n' });
  assert.ok(unused.lines.some((l) => l.includes('is used by no import any more')), unused.lines.join('\n'));
});

test('pure: a @pure file may import other @pure files, allowed packages and types, nothing effectful', async () => {
  const header = '/**\n * p — a parser.\n * @pure\n */\n';
  const bad = await lint({
    'src/core/p.ts': `${header}import { readFileSync } from 'node:fs';\nimport { run } from './effect.js';\nimport { hostname } from 'node:os';\nimport * as cp from 'child_process';\nexport const x = [readFileSync, run, hostname, cp];\n`,
    'src/core/effect.ts': 'export function run(): void {}\n',
  });
  assert.deepEqual(bad.lines.map((l) => l.split(': ').slice(0, 2).join(': ')), [
    'src/core/p.ts:5: pure', 'src/core/p.ts:6: pure', 'src/core/p.ts:7: pure', 'src/core/p.ts:8: pure',
  ]);
  assert.match(bad.lines[0]!, /imports node:fs, which is not pure/);
  assert.match(bad.lines[1]!, /imports core\/effect\.ts, which is not @pure/);
  assert.match(bad.lines[2]!, /may take only constants from node:os/);
  const good = await lint({
    'src/core/p.ts': `${header}import { q } from './q.js';\nimport type { Db } from './effect.js';\nimport { constants } from 'node:os';\nimport { createHash } from 'node:crypto';\nexport const x = [q, constants, createHash];\nexport type D = Db;\n`,
    'src/core/q.ts': `${header}export const q = 1;\n`,
    'src/core/effect.ts': "import { readFileSync } from 'node:fs';\nexport interface Db { f: typeof readFileSync }\n",
  });
  assert.equal(good.status, 0, good.lines.join('\n'));
  // A header that says the file is pure carries the tag, so that the claim is checked.
  const untagged = await lint({ 'src/core/says.ts': "/**\n * says — a parser. Pure.\n */\nimport { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n" });
  assert.deepEqual(untagged.lines.map((l) => l.split(': ').slice(0, 2).join(': ')), ['src/core/says.ts:1: pure']);
  assert.match(untagged.lines[0]!, /calls this file pure but has no @pure tag/);
});

test('no-require and disable comments: a reasoned disable of a real rule passes; every other kind fails', async () => {
  const bare = await lint({ 'src/core/r.ts': "export const m = require('node:fs');\n" });
  assert.match(bare.lines[0] ?? '', /^src\/core\/r\.ts:1: no-require: /);
  const ok = await lint({
    'src/core/r.ts': "// tsnet-lint-disable-next-line no-require -- loaded on first use\nexport const m = require('node:fs');\n"
      + "export const n = require('node:os'); // tsnet-lint-disable-line no-require -- the same\n"
      + "/* tsnet-lint-disable no-require -- a block of them */\nexport const o = require('a');\nexport const p = require('b');\n/* tsnet-lint-enable no-require */\n"
      + "export const s = \"// eslint-disable-line is text in a string, not a comment; so is require('x') in one\";\n",
  });
  assert.equal(ok.status, 0, ok.lines.join('\n'));
  const bad = await lint({
    'test/t.ts': "// tsnet-lint-disable-next-line no-require\nexport const a = require('a');\n"
      + "// eslint-disable-next-line @typescript-eslint/no-require-imports -- a reason\nexport const b = require('b');\n"
      + "// tsnet-lint-disable-next-line no-such-rule -- why\nexport const c = 1;\n"
      + "// tsnet-lint-disable-next-line layers -- why\nexport const d = 1;\n"
      + "// tsnet-lint-disable-next-line no-require -- nothing to disable here\nexport const e = 1;\n"
      + "/* tsnet-lint-disable no-require -- closed early */\n/* tsnet-lint-enable no-require */\nexport const f = require('f');\n",
  });
  const got = bad.lines.map((l) => l.split(': ').slice(0, 2).join(': '));
  assert.deepEqual(got, [
    'test/t.ts:1: disable-comment', 'test/t.ts:2: no-require', // no reason: the disable does not count
    'test/t.ts:3: disable-comment', 'test/t.ts:4: no-require', // eslint does not run here
    'test/t.ts:5: disable-comment', // no rule of that name
    'test/t.ts:7: disable-comment', // layers cannot be disabled by comment
    'test/t.ts:9: disable-comment', // disables nothing
    'test/t.ts:11: disable-comment', 'test/t.ts:13: no-require', // the block ended before the require
  ], bad.lines.join('\n'));
  assert.match(bad.lines[0]!, /gives no reason/);
  assert.match(bad.lines[2]!, /eslint does not run here/);
  assert.match(bad.lines[4]!, /no rule named no-such-rule/);
  assert.match(bad.lines[5]!, /layers cannot be disabled by comment/);
  assert.match(bad.lines[6]!, /disables nothing/);
});
