#!/usr/bin/env node
// tsnet.js — the Node CLI, which bin/tsnet (native/client/tsnet.c) execs when no daemon serves
// the command (or TSNET_NO_DAEMON=1). It runs dist/tsnet.cjs, the CLI bundled into one file by
// scripts/bundle.mjs, with V8's code cache dist/tsnet.cjs.cache (made by the same script), so
// that a cold start neither parses the bundle nor compiles the functions a command runs:
// Node 20 has no module.enableCompileCache. Without the cache, or when V8 rejects it (another
// Node version, other V8 flags), the bundle is compiled as usual; without the bundle, tsc's
// dist/src/cli/main.js runs instead. No V8 flags in the #! line (say --max-semi-space-size):
// any V8 flag makes V8 reject this cache and Node's cache of its own modules (+10 ms).
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const BUNDLE = join(__dirname, '..', 'dist', 'tsnet.cjs');

/** stampOf — the bundle's first line, `// tsnet build <id>\n`, which also heads its cache. */
function stampOf(source) {
  const stamp = source.slice(0, source.indexOf('\n') + 1);
  return stamp.startsWith('// tsnet build ') ? stamp : undefined;
}

/**
 * compileBundle — the bundle as a vm.Script, or undefined when there is none. The cache is
 * used only if it starts with the bundle's stamp: V8 checks just the source's length, and a
 * cache from another build would run the wrong code.
 */
function compileBundle(useCache = true, bundle = BUNDLE) {
  let source;
  try {
    source = readFileSync(bundle, 'utf8'); // ASCII (charset: 'ascii'), so a one-byte string
  } catch {
    return undefined;
  }
  let cachedData;
  const stamp = stampOf(source);
  if (useCache && stamp) {
    try {
      const cache = readFileSync(`${bundle}.cache`);
      if (cache.toString('latin1', 0, stamp.length) === stamp) cachedData = cache.subarray(stamp.length);
    } catch { /* no cache: compile */ }
  }
  const { Script } = require('node:vm');
  // The same wrapper as Node's CommonJS loader, so the bundle sees what a module sees.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return Object.assign(new Script(wrapped, { filename: bundle, cachedData }), { stamp, bundle });
}

/** saveCache — writes the script's code cache, stamped, after the commands it should hold ran. */
function saveCache(script) {
  writeFileSync(`${script.bundle}.cache.tmp`, Buffer.concat([Buffer.from(script.stamp, 'latin1'), script.createCachedData()]));
  renameSync(`${script.bundle}.cache.tmp`, `${script.bundle}.cache`);
}

/**
 * runBundle — runs the compiled bundle and returns its exports ({ main, buildProgram }). It
 * gets this file's require: the bundle requires only builtins and addons by absolute path.
 */
function runBundle(script) {
  const file = script.bundle;
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, require, mod, file, dirname(file));
  return mod.exports;
}

if (require.main === module) {
  const script = compileBundle();
  const cli = script ? runBundle(script) : require('../dist/src/cli/main.js');
  // A leading "--" is bin/tsnet's, put there to keep Node 20 off a `--env-file` argument.
  const args = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);
  cli.main(args).then((code) => { process.exitCode = code; });
} else {
  module.exports = { compileBundle, runBundle, saveCache }; // for scripts/bundle.mjs (the cache) and bin/tsnet-cni.js
}
