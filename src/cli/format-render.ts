/**
 * format-render — a parsed --format template (format-template.ts) applied to the objects a
 * listing prints: field lookup in any case, Go's printing of values and its truth, the
 * functions, and docker's table alignment. @pure: imports only format-template.ts.
 */
import { TemplateError, type Arg, type Call, type Node, type Template } from './format-template.js';

/** lookup — the key of obj that `name` means: exact first, then case-insensitively. */
export function lookup(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** fieldValue — the value at path; null through a null parent; an unknown key is a TemplateError. */
function fieldValue(root: unknown, path: string[]): unknown {
  let v = root;
  for (let i = 0; i < path.length; i++) {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new TemplateError(`field .${path.slice(0, i + 1).join('.')}: .${path.slice(0, i).join('.')} is ${Array.isArray(v) ? 'a list' : `a ${typeof v}`}, it has no fields`);
    }
    const key = lookup(v as Record<string, unknown>, path[i]!);
    if (key === undefined) {
      const prefix = path.slice(0, i).map((p) => `.${p}`).join('');
      throw new TemplateError(`unknown field ${prefix}.${path[i]} in --format: valid fields${prefix ? ` of ${prefix}` : ''} are ${Object.keys(v).map((k) => `.${k}`).join(' ')}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v === undefined ? null : v;
}

/** text — a value as Go's {{.}} prints it: strings as they are, lists as [a b], objects as map[k:v]; null as nothing. */
export function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(text).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${text((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

/** MAX_WIDTH — the widest pad or truncate: a template is typed by anyone, and pad 2000000000 built a 2 GB string. */
const MAX_WIDTH = 1000;

function call(fn: string, args: unknown[], source: string): unknown {
  const str = (v: unknown): string => text(v);
  const width = (v: unknown): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > MAX_WIDTH) throw new TemplateError(`${fn} in "{{${source}}}" takes widths from 0 to ${MAX_WIDTH}, not ${text(v)}`);
    return n;
  };
  switch (fn) {
    case 'json': return JSON.stringify(args[0] ?? null);
    case 'join': {
      if (args[0] !== null && !Array.isArray(args[0])) throw new TemplateError(`join in "{{${source}}}": the first argument must be a list, not ${JSON.stringify(args[0])}`);
      return ((args[0] ?? []) as unknown[]).map(str).join(str(args[1]));
    }
    case 'lower': return str(args[0]).toLowerCase();
    case 'upper': return str(args[0]).toUpperCase();
    case 'title': return str(args[0]).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
    case 'split': return str(args[0]).split(str(args[1]));
    case 'len': return args[0] === null ? 0 : Array.isArray(args[0]) ? args[0].length : typeof args[0] === 'object' ? Object.keys(args[0] as object).length : [...str(args[0])].length;
    case 'truncate': return [...str(args[0])].slice(0, width(args[1])).join('');
    case 'pad': return `${' '.repeat(width(args[1]))}${str(args[0])}${' '.repeat(width(args[2]))}`;
    case 'println': return `${args.map(str).join(' ')}\n`;
    case 'eq': return args.slice(1).some((b) => same(args[0], b));
    case 'ne': return !same(args[0], args[1]);
    case 'not': return !truth(args[0]);
    case 'and': return args.find((a) => !truth(a)) ?? args[args.length - 1];
    case 'or': return args.find((a) => truth(a)) ?? args[args.length - 1];
    case 'index': return args.slice(1).reduce((v: unknown, k) => {
      if (Array.isArray(v)) return typeof k === 'number' ? (v[k] ?? null) : null;
      if (v !== null && typeof v === 'object') { const key = lookup(v as Record<string, unknown>, str(k)); return key === undefined ? null : (v as Record<string, unknown>)[key]; }
      return null;
    }, args[0]);
    default: throw new TemplateError(`unknown function ${fn}`);
  }
}

/** same — eq's comparison: equal scalars; a number and its decimal text are not equal. */
function same(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

/** truth — Go's: false, 0, null, and empty strings, lists and objects are false. */
function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function evaluate(pipeline: Call[], dot: unknown, source: string): unknown {
  let value: unknown;
  let first = true;
  for (const c of pipeline) {
    const args = c.args.map((a) => (a.kind === 'field' ? fieldValue(dot, a.path) : a.value));
    if (!first) args.push(value);
    value = c.fn === null ? args[0] : call(c.fn, args, source);
    first = false;
  }
  return value;
}

function renderNodes(nodes: Node[], dot: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') { out += n.text; continue; }
    const value = evaluate(n.pipeline, dot, n.source);
    if (n.kind === 'action') out += text(value);
    else if (n.kind === 'if') out += renderNodes(truth(value) ? n.body : n.otherwise, dot);
    else if (n.kind === 'with') out += truth(value) ? renderNodes(n.body, value) : renderNodes(n.otherwise, dot);
    else {
      if (value !== null && typeof value !== 'object') throw new TemplateError(`{{${n.source}}}: range needs a list or an object, not ${JSON.stringify(value)}`);
      // Over an object: its values in key order, as Go ranges over a map.
      const list = value === null ? [] : Array.isArray(value) ? value : Object.keys(value).sort().map((k) => (value as Record<string, unknown>)[k]);
      out += list.length ? list.map((v) => renderNodes(n.body, v)).join('') : renderNodes(n.otherwise, dot);
    }
  }
  return out;
}

/** render — the template applied to one object. Throws TemplateError on an unknown field. */
export function render(t: Template, obj: unknown): string {
  return renderNodes(t.nodes, obj);
}

/** headerOf — a column's title from a field path: `containerIp` → CONTAINER IP, `.dhcp.phase` → DHCP PHASE. */
export function headerOf(path: string[]): string {
  return path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ')).join(' ').toUpperCase();
}

/**
 * renderHeader — the header row of a `table` template: each action (and each if, range or
 * with, once) shows the title of the first field it reads.
 */
export function renderHeader(t: Template): string {
  let out = '';
  for (const n of t.nodes) {
    if (n.kind === 'text') { out += n.text; continue; }
    const field = n.pipeline.flatMap((c) => c.args).find((a): a is Extract<Arg, { kind: 'field' }> => a.kind === 'field');
    out += field ? headerOf(field.path) : '';
  }
  return out;
}

/**
 * alignColumns — what docker's tabwriter (min width 10, padding 3, spaces) makes of the
 * rendered lines: a cell that ends in a tab is padded to its column's width; the last cell of
 * a line is left as it is. A column's width is taken over each run of lines that have it.
 */
export function alignColumns(lines: string[], minWidth = 10, padding = 3): string[] {
  const cells = lines.map((l) => l.split('\t'));
  const width = (s: string): number => [...s].length;
  const maxCols = Math.max(0, ...cells.map((c) => c.length - 1));
  for (let col = 0; col < maxCols; col++) {
    let start = 0;
    while (start < cells.length) {
      if (cells[start]!.length - 1 <= col) { start++; continue; }
      let end = start;
      while (end < cells.length && cells[end]!.length - 1 > col) end++;
      const w = Math.max(minWidth, ...cells.slice(start, end).map((c) => width(c[col]!) + padding));
      for (let r = start; r < end; r++) cells[r]![col] = cells[r]![col]! + ' '.repeat(w - width(cells[r]![col]!));
      start = end;
    }
  }
  return cells.map((c) => c.join(''));
}

/**
 * formatObjects — the output of `--format TEMPLATE` for these objects, as one string (each
 * object's rendering followed by a newline, as docker prints them), or a TemplateError before
 * any of it is printed.
 */
export function formatObjects(t: Template, objects: readonly unknown[]): string {
  const rendered = objects.map((o) => render(t, o));
  if (!t.table) return rendered.map((r) => `${r}\n`).join('');
  const lines = [renderHeader(t), ...rendered].join('\n').split('\n');
  return `${alignColumns(lines).join('\n')}\n`;
}
