// bundle — builds dist/tsnet.cjs, the CLI and its dependencies as one CommonJS file, so that
// a cold `tsnet` reads one file instead of resolving and compiling ~70 modules. bin/tsnet.js
// loads it when present, else falls back to tsc's dist/src/cli/main.js; tsc still runs
// first and is the typecheck. Modules that commands require lazily stay lazy: esbuild
// wraps each one in a function that runs on its first require().
//
// Native addons cannot be bundled, and each package finds its own at run time by searching
// the disk (better-sqlite3 through `bindings`, netlink through `node-gyp-build`, koffi
// through its per-platform package). Here each package is loaded once, the normal way, to
// learn which .node file it picks on this machine; the bundle then requires that file
// directly, by its path relative to dist/.
//
// Usage: node scripts/bundle.mjs            (run by `npm run build`, after tsc)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'tsnet.cjs');
const cniOutfile = join(root, 'dist', 'tsnet-cni.cjs');
const req = createRequire(join(root, 'package.json'));

/** addonOf — the .node file that loading a package with `load` pulls in. */
function addonOf(load, name) {
  load();
  const found = Object.keys(req.cache).find((k) => k.endsWith(`${sep}${name}`));
  if (!found) throw new Error(`bundle: loading did not pull in ${name}; update scripts/bundle.mjs`);
  return found;
}

const addons = [
  // [package, the module it asks for its addon, what that module's export must be, the addon]
  ['better-sqlite3', /^bindings$/, (r) => `() => ${r}`,
    addonOf(() => new (req('better-sqlite3'))(':memory:').close(), 'better_sqlite3.node')],
  ['netlink', /^node-gyp-build$/, (r) => `() => ${r}`,
    addonOf(() => req('netlink/dist/raw'), 'node.napi.node')],
  ['koffi', new RegExp(`^@koromix/koffi-${process.platform}-${process.arch}$`), (r) => r,
    addonOf(() => req('koffi'), 'koffi.node')],
];

/** nativeAddons — answers each package's addon search with the file found above. */
const nativeAddons = {
  name: 'native-addons',
  setup(b) {
    for (const [pkg, filter, exportOf, addon] of addons) {
      const inPkg = `${sep}node_modules${sep}${pkg}${sep}`;
      b.onResolve({ filter }, (args) =>
        args.importer.includes(inPkg) ? { path: addon, namespace: 'addon', pluginData: exportOf } : undefined);
    }
    b.onLoad({ filter: /.*/, namespace: 'addon' }, (args) => {
      const rel = relative(dirname(outfile), args.path).split(sep).join('/');
      const load = `require(__dirname + ${JSON.stringify(`/${rel}`)})`;
      return { contents: `module.exports = ${args.pluginData(load)};`, loader: 'js' };
    });
  },
};

/**
 * lazyBuiltins — builtins that only some commands use are loaded on first use. commander
 * requires child_process at start-up for executable subcommands, which tsnet has none of,
 * and core/exec.ts imports it for the commands that run ip/tc: loading it (and net, dgram,
 * the stream stack) costs ~4 ms of every start. The stand-in module has a getter per
 * export, so that importing it loads nothing and calling spawn() loads the real module.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const names = ['child_process'];
    b.onResolve({ filter: new RegExp(`^(node:)?(${names.join('|')})$`) }, (args) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const keys = Object.keys(req(`node:${args.path}`));
      return {
        contents: `let m; const real = () => m ??= require(${JSON.stringify(`node:${args.path}`)});\n`
          + `for (const k of ${JSON.stringify(keys)}) Object.defineProperty(exports, k, { enumerable: true, get: () => real()[k] });`,
        loader: 'js',
      };
    });
  },
};

/** bundle — one entry point and what it imports, as one minified CommonJS file at `out`. */
async function bundle(entry, out) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [nativeAddons, lazyBuiltins],
    // A quarter less to read and parse at every start. For stack traces with src/ names, run
    // tsc's output (node dist/src/cli/main.js ...) or map them with dist/tsnet.cjs.map.
    minify: true,
    charset: 'ascii', // bin/tsnet.js reads it as a one-byte string
    banner: { js: `// tsnet build ${randomUUID()}` }, // bin/tsnet.js matches the code cache to it
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  // Renamed into place, so that a tsnet running meanwhile reads the old bundle or the new one.
  rmSync(`${out}.cache`, { force: true });
  for (const f of result.outputFiles) {
    writeFileSync(`${f.path}.tmp`, f.contents);
    renameSync(`${f.path}.tmp`, f.path);
  }
  console.log(`bundle: ${relative(root, out)} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
}

await bundle('src/cli/main.ts', outfile);
// The CNI plugin gets a bundle of its own: every ADD is a new process, so it must not read
// and compile the CLI (commander, images, runtime) to attach one interface.
await bundle('src/cni/main.ts', cniOutfile);

// The code cache: a child process compiles the bundle the way bin/tsnet.js does, runs commands
// that touch neither the kernel nor real state, and then saves V8's cache, which holds every
// function compiled so far (lazily compiled ones included). Commands' own paths that are not
// run here are compiled at run time as usual.
const TRAIN = `
const { compileBundle, runBundle, saveCache } = require(${JSON.stringify(join(root, 'bin', 'tsnet.js'))});
const script = compileBundle(false);
const { main, warmUp } = runBundle(script);
(async () => {
  for (const argv of JSON.parse(process.argv[1])) await main(argv);
  warmUp();
  saveCache(script);
})();`;
const state = mkdtempSync(join(tmpdir(), 'tsnet-bundle-'));
try {
  // A guest path inside the fresh state root cannot exist: attach (a dry run, too) and detach
  // stop at the guest or the empty state, after parsing, naming and opening the database.
  const none = join(state, 'no-such-netns');
  const runs = [
    ['--version'], ['--help'], ['attach', '--help'], ['detach', '--help'],
    ['ls', '--root', state], ['ls', '--root', state, '--json'],
    ['attach', '--root', state, '--dry-run', 'br0', none, '10.0.0.2/24'],
    ['detach', '--root', state, none], ['inspect', '--root', state, none],
  ];
  const r = spawnSync(process.execPath, ['-e', TRAIN, JSON.stringify(runs)], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`bundle: writing the code cache failed (status ${r.status}): ${r.stderr}`);
} finally {
  rmSync(state, { recursive: true, force: true });
}
console.log(`bundle: ${relative(root, outfile)}.cache`);

// The plugin's code cache, trained the same way on calls that change nothing: VERSION, and
// ADD/DEL that stop at their checks (a netns that does not exist) after loading their modules.
const TRAIN_CNI = `
const { compileBundle, runBundle, saveCache } = require(${JSON.stringify(join(root, 'bin', 'tsnet.js'))});
const { PassThrough, Writable } = require('node:stream');
const script = compileBundle(false, ${JSON.stringify(cniOutfile)});
const { runCni } = runBundle(script);
const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });
(async () => {
  for (const [env, stdin] of JSON.parse(process.argv[1])) {
    const input = new PassThrough();
    input.end(stdin);
    await runCni({ env, stdin: input, stdout: sink(), stderr: sink() });
  }
  saveCache(script);
})();`;
const cniState = mkdtempSync(join(tmpdir(), 'tsnet-bundle-'));
try {
  const none = join(cniState, 'no-such-netns');
  const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'train', type: 'tsnet', root: cniState, ipam: { type: 'tsnet', subnet: '10.255.255.0/24' } });
  const env = (command) => ({ CNI_COMMAND: command, CNI_CONTAINERID: 'train', CNI_NETNS: none, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' });
  const calls = [[env('VERSION'), '{"cniVersion":"1.0.0"}'], [env('ADD'), conf], [env('DEL'), conf], [env('CHECK'), conf]];
  const r = spawnSync(process.execPath, ['-e', TRAIN_CNI, JSON.stringify(calls)], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`bundle: writing the CNI code cache failed (status ${r.status}): ${r.stderr}`);
} finally {
  rmSync(cniState, { recursive: true, force: true });
}
console.log(`bundle: ${relative(root, cniOutfile)}.cache`);
