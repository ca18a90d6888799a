// lint — tsnet's own linter (`npm run lint`), small on purpose: it reads imports and comments
// with the TypeScript compiler API already in devDependencies, so no eslint tree is installed.
// Rules (each failure prints file:line: rule: message):
//   layers          an import under src/ from a higher layer than the importer's (the map and
//                   its reasoned exceptions: scripts/layers.mjs). Cannot be disabled by comment.
//   pure            a file marked `@pure` in its header comment imports something effectful:
//                   only other @pure files, PURE_EXTERNAL below, and `import type` of anything.
//                   A header whose prose calls the file pure must carry the tag.
//                   Cannot be disabled by comment.
//   no-require      a require() call; a lazy load kept for start-up time says so in a disable
//                   comment, so each one is a choice.
//   disable-comment a disable comment that names no rule of this linter, gives no reason
//                   (`-- why`), disables nothing, or is an eslint-disable (eslint does not run here).
// Disable comments: `// tsnet-lint-disable-next-line RULE -- why`, `... // tsnet-lint-disable-line
// RULE -- why`, and `/* tsnet-lint-disable RULE -- why */` up to `/* tsnet-lint-enable RULE */`
// or the end of the file.
// Usage: node scripts/lint.mjs [--root DIR] [DIR...]   (default: src test bench under the repo)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(REPO, 'package.json'))('typescript');

/** DISABLEABLE — the rules a disable comment may name (layers and pure are not among them). */
export const DISABLEABLE = new Set(['no-require']);
export const ALL_RULES = new Set(['layers', 'pure', 'no-require', 'disable-comment']);

/**
 * PURE_EXTERNAL — what a @pure file may import from outside src/: computation only, no I/O,
 * no processes, no sockets, no native code. Everything else (node:fs, node:child_process,
 * node:net, node:dgram, node:os, koffi, better-sqlite3, netlink, …) is effectful by default.
 */
export const PURE_EXTERNAL = new Map([
  ['node:crypto', { why: 'hashes and random ids; no I/O' }],
  ['node:buffer', { why: 'byte arrays' }],
  ['node:path', { why: 'string math on paths; reads nothing' }],
  ['node:util', { why: 'formatting and TextDecoder' }],
  ['node:string_decoder', { why: 'byte decoding' }],
  ['node:os', { why: 'the errno and signal tables only, never the host', only: ['constants'] }],
  ['node:net', { why: 'address syntax checks only, never a socket', only: ['isIP', 'isIPv4', 'isIPv6'] }],
  ['zod', { why: 'schema validation of values in memory' }],
  ['yaml', { why: 'text parsing' }],
]);

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** imports — every module reference in a file: {spec, line, typeOnly}. */
function importsOf(sf) {
  const out = [];
  const at = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const allTypes = !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings)
        && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      // The value names taken, when only named imports are (null: the whole module).
      const named = !!c && !c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings);
      const names = named ? c.namedBindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text) : null;
      out.push({ spec: node.moduleSpecifier.text, line: at(node), typeOnly: allTypes, names });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const allTypes = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause)
        && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ spec: node.moduleSpecifier.text, line: at(node), typeOnly: allTypes });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
      && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push({ spec: node.moduleReference.expression.text, line: at(node), typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, line: at(node), typeOnly: true });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      out.push({ spec: node.arguments[0].text, line: at(node), typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** requireCalls — lines of require(...) calls (rule no-require). */
function requireCalls(sf) {
  const lines = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      lines.push(sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return lines;
}

/** comments — every comment of the file (never text inside strings): {text, line, pos}. */
function commentsOf(sf) {
  const text = sf.getFullText();
  const seen = new Map();
  const add = (ranges) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.set(r.pos, { text: text.slice(r.pos, r.end), line: sf.getLineAndCharacterOfPosition(r.pos).line + 1, pos: r.pos, end: r.end });
    }
  };
  const visit = (node) => {
    add(ts.getLeadingCommentRanges(text, node.getFullStart()));
    add(ts.getTrailingCommentRanges(text, node.getEnd()));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  add(ts.getLeadingCommentRanges(text, sf.endOfFileToken.getFullStart()));
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** headerOf — the file's header: the comments before its first statement. */
function headerOf(sf) {
  const text = sf.getFullText();
  const first = sf.statements[0];
  return (ts.getLeadingCommentRanges(text, first ? first.getFullStart() : 0) ?? []).map((r) => text.slice(r.pos, r.end)).join('\n');
}

/** isPure — the file's header carries the `@pure` tag. */
function isPure(sf) {
  return /(^|[\s*])@pure\b/m.test(headerOf(sf));
}

/** saysPure — the header's prose calls the file pure (then it must carry the tag, to be checked). */
function saysPure(sf) {
  return /\bpure\b/i.test(headerOf(sf).replace(/@pure\b/g, ''));
}

/** resolveLocal — a relative specifier to the .ts file it names, or undefined. */
function resolveLocal(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs|cjs|ts)$/, '');
  for (const c of [`${stem}.ts`, join(base, 'index.ts'), join(stem, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

const BUILTINS = new Set(builtinModules);

/** externalName — a package's name, or node:X for a builtin (fs and node:fs are one module). */
function externalName(spec) {
  if (spec.startsWith('node:')) return spec;
  const bare = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  return BUILTINS.has(spec) ? `node:${spec}` : bare;
}

/** parseDirective — a lint-control comment, or undefined for an ordinary comment. */
function parseDirective(c) {
  const body = c.text.startsWith('//') ? c.text.slice(2) : c.text.slice(2, -2);
  const m = /^\s*(eslint-disable(?:-next-line|-line)?|eslint-enable|tsnet-lint-disable(?:-next-line|-line)?|tsnet-lint-enable)\b(.*)$/s.exec(body.replace(/^\s*\*?\s*/, ''));
  if (!m) return undefined;
  const [rulesPart, ...why] = m[2].split(/\s--\s?/);
  const rules = rulesPart.split(',').map((r) => r.trim()).filter(Boolean);
  return { kind: m[1], rules, reason: why.join(' -- ').replace(/\s+/g, ' ').trim() };
}

/**
 * lint — runs every rule over the .ts files under `dirs` (relative to `root`); src/ files
 * (root/src/<folder>/...) are the ones the layer and pure rules know. Returns problems.
 */
export function lint(root, dirs = ['src', 'test', 'bench'], layersMap) {
  const { LAYERS, EXCEPTIONS } = layersMap;
  const problems = [];
  const report = (file, line, rule, message) => problems.push({ file: relative(root, file), line, rule, message });
  const srcDir = join(root, 'src');
  const layerOf = new Map();
  LAYERS.forEach((l, i) => l.folders.forEach((f) => layerOf.set(f, i)));
  const layersFile = join(root, 'scripts', 'layers.mjs');

  // The map names exactly the folders that exist.
  const folders = existsSync(srcDir) ? readdirSync(srcDir).filter((e) => statSync(join(srcDir, e)).isDirectory()) : [];
  for (const f of folders) if (!layerOf.has(f)) report(layersFile, 1, 'layers', `src/${f}/ is in no layer: place it in LAYERS (see DESIGN.md "Layers")`);
  for (const f of layerOf.keys()) if (!folders.includes(f)) report(layersFile, 1, 'layers', `LAYERS lists src/${f}/, which does not exist`);

  const files = dirs.flatMap((d) => walk(join(root, d), []));
  const parsed = new Map();
  const parse = (file) => {
    if (!parsed.has(file)) parsed.set(file, ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
    return parsed.get(file);
  };
  const pureCache = new Map();
  const pure = (file) => { if (!pureCache.has(file)) pureCache.set(file, isPure(parse(file))); return pureCache.get(file); };
  const usedExceptions = new Set();

  for (const file of files) {
    const sf = parse(file);
    const suppressed = []; // {rule, from, to, directive}
    const hits = []; // {rule, line, message}
    const inSrc = file.startsWith(srcDir + sep);
    const folder = inSrc ? relative(srcDir, file).split(sep)[0] : undefined;
    const filePure = inSrc && pure(file);

    if (inSrc && !filePure && saysPure(sf)) {
      hits.push({ rule: 'pure', line: 1, message: 'the header calls this file pure but has no @pure tag: add " * @pure" to it (the lint then checks its imports), or reword' });
    }
    for (const imp of importsOf(sf)) {
      const local = imp.spec.startsWith('.') ? resolveLocal(file, imp.spec) : undefined;
      if (inSrc && layerOf.has(folder) && local && local.startsWith(srcDir + sep)) {
        const toRel = relative(srcDir, local).split(sep).join('/');
        const to = toRel.split('/')[0];
        if (layerOf.has(to) && layerOf.get(to) < layerOf.get(folder)) {
          const ex = EXCEPTIONS.findIndex((e) => e.from.includes(folder) && e.to === toRel && (!e.typeOnly || imp.typeOnly));
          if (ex >= 0) usedExceptions.add(ex);
          else hits.push({ rule: 'layers', line: imp.line, message: `${folder}/ (${LAYERS[layerOf.get(folder)].name}) imports ${toRel} from a higher layer (${LAYERS[layerOf.get(to)].name}); data flows down: pass it in, or move it down (map: scripts/layers.mjs)` });
        }
      }
      if (filePure && !imp.typeOnly) {
        if (imp.spec.startsWith('.')) {
          if (local && !pure(local)) hits.push({ rule: 'pure', line: imp.line, message: `a @pure file imports ${relative(srcDir, local).split(sep).join('/')}, which is not @pure (import type is fine; effects go to the caller)` });
        } else {
          const allowed = PURE_EXTERNAL.get(externalName(imp.spec));
          const extra = !allowed?.only ? [] : (imp.names ? imp.names.filter((n) => !allowed.only.includes(n)) : ['the whole module']);
          if (!allowed) hits.push({ rule: 'pure', line: imp.line, message: `a @pure file imports ${imp.spec}, which is not pure (allowed outside src/: ${[...PURE_EXTERNAL.keys()].join(', ')}; scripts/lint.mjs PURE_EXTERNAL)` });
          else if (extra.length) hits.push({ rule: 'pure', line: imp.line, message: `a @pure file may take only ${allowed.only.join(', ')} from ${imp.spec} (${allowed.why}), not ${extra.join(', ')}` });
        }
      }
    }
    for (const line of requireCalls(sf)) hits.push({ rule: 'no-require', line, message: 'require() call: use import, or say why this load is lazy in a tsnet-lint-disable comment' });

    // Directives: validate them, then let the valid ones suppress hits.
    const directives = [];
    for (const c of commentsOf(sf)) {
      const d = parseDirective(c);
      if (!d) continue;
      if (d.kind.startsWith('eslint')) {
        report(file, c.line, 'disable-comment', `${d.kind} ${d.rules.join(', ')}: eslint does not run here; use tsnet-lint-${d.kind.slice('eslint-'.length)} with one of this linter's rules (${[...DISABLEABLE].join(', ')}) and a reason, or remove it`);
        continue;
      }
      if (d.rules.length === 0) { report(file, c.line, 'disable-comment', `${d.kind} names no rule`); continue; }
      const bad = d.rules.filter((r) => !DISABLEABLE.has(r));
      if (bad.length) {
        const why = bad.map((r) => ALL_RULES.has(r) ? `${r} cannot be disabled by comment${r === 'layers' ? ' (an exception goes in scripts/layers.mjs with its reason)' : ''}` : `no rule named ${r}`);
        report(file, c.line, 'disable-comment', `${d.kind}: ${why.join('; ')} (rules: ${[...DISABLEABLE].join(', ')})`);
        continue;
      }
      if (d.kind !== 'tsnet-lint-enable' && !d.reason) { report(file, c.line, 'disable-comment', `${d.kind} ${d.rules.join(', ')} gives no reason: add " -- why"`); continue; }
      const endLine = sf.getLineAndCharacterOfPosition(c.end).line + 1;
      directives.push({ ...d, line: c.line, endLine, used: false });
    }
    const eof = sf.getLineAndCharacterOfPosition(sf.end).line + 2;
    const ranges = [];
    for (const d of directives) {
      if (d.kind === 'tsnet-lint-disable-next-line') ranges.push({ d, from: d.endLine + 1, to: d.endLine + 1 });
      else if (d.kind === 'tsnet-lint-disable-line') ranges.push({ d, from: d.line, to: d.line });
      else if (d.kind === 'tsnet-lint-disable') {
        const enable = directives.find((e) => e.kind === 'tsnet-lint-enable' && e.line > d.line && e.rules.some((r) => d.rules.includes(r)));
        ranges.push({ d, from: d.line, to: enable ? enable.line : eof });
      }
    }
    for (const h of hits) {
      const r = DISABLEABLE.has(h.rule) && ranges.find((x) => x.d.rules.includes(h.rule) && h.line >= x.from && h.line <= x.to);
      if (r) r.d.used = true;
      else report(file, h.line, h.rule, h.message);
    }
    for (const d of directives) {
      if (d.kind !== 'tsnet-lint-enable' && !d.used) report(file, d.line, 'disable-comment', `${d.kind} ${d.rules.join(', ')} disables nothing: remove it`);
    }
  }
  EXCEPTIONS.forEach((e, i) => {
    if (!usedExceptions.has(i)) report(layersFile, 1, 'layers', `the exception ${e.from.join(',')} -> ${e.to} is used by no import any more: remove it`);
  });
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const args = process.argv.slice(2);
  let root = REPO;
  const r = args.indexOf('--root');
  if (r >= 0) { root = resolve(args[r + 1]); args.splice(r, 2); }
  const layersPath = join(root, 'scripts', 'layers.mjs');
  const map = await import(pathToFileURL(existsSync(layersPath) ? layersPath : join(REPO, 'scripts', 'layers.mjs')).href);
  const problems = lint(root, args.length ? args : ['src', 'test', 'bench'], map);
  for (const p of problems) console.log(`${p.file}:${p.line}: ${p.rule}: ${p.message}`);
  if (problems.length) {
    console.error(`lint: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    process.exit(1);
  }
}
