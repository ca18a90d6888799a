/**
 * format-template — the `--format` language of tsnet's listings: the part of Go's
 * text/template that docker users write on `docker ps`/`network ls`/`images`. @pure: no I/O, imports nothing.
 *
 *   {{.Field}} {{.A.B}}     a key of the object --json prints, matched case-insensitively
 *                           (`{{.Name}}` is key `name`); null prints as nothing
 *   {{json .}} {{json .F}}  the object or a value as JSON
 *   {{join .List ","}}      an array's items, separated
 *   lower upper title split len truncate pad println, and pipes: {{.Name | upper}}
 *   \t \n                   tab and newline (replaced in the text first, as docker does)
 *   table TEMPLATE          a header row and aligned columns (cells end at each tab), as docker
 *
 *   {{if .X}}..{{else if eq .Y "up"}}..{{else}}..{{end}}, {{range .List}}{{.}}{{end}},
 *   {{with .Dhcp}}{{.Phase}}{{end}}, and eq ne not and or index
 *
 * Not supported (refused with one line): variables, parentheses, printf, define/template. Errors are
 * TemplateError; the CLI turns them into usage errors (exit 2). This file parses; format-render.ts
 * applies a parsed template to objects.
 */

export class TemplateError extends Error {}

/** FORMAT_DOC — the language for people: the man page's FORMATTING section (one paragraph a line). */
export const FORMAT_DOC: readonly string[] = [
  'Listings (ls, network ls, port ls, port GUEST, images, ps, lab ls) take -q, --quiet: only the ids or names, each once (with --json, an array of them), and --format TEMPLATE, as docker does.',
  'TEMPLATE is a Go template: {{.Field}} is a key of the objects --json prints, in any case ({{.Name}} is "name"), {{.A.B}} a nested one; null prints as nothing, a list as [a b]. \\t and \\n are a tab and a newline.',
  'Functions: {{json .}} and {{json .Field}}, {{join .List ","}}, lower, upper, title, split, len, truncate, pad, println, eq, ne, not, and, or, index, and pipes: {{.Name | upper}}. Actions: {{if .X}}..{{else if .Y}}..{{else}}..{{end}}, {{range .List}}{{.}}{{end}} and {{with .X}}{{.Y}}{{end}} (inside, . is the element). Not supported: variables, printf, define/template.',
  '"table TEMPLATE" prints a header row named after the fields and aligns the cells ended by tabs, as docker does; "table" alone is the usual table; "json" prints one JSON object a line.',
  'An unknown field is a usage error naming the valid ones (exit 2, nothing printed). -q wins over --format (a warning says so, as docker ps does); --format with --json is refused.',
  'inspect and network inspect take -f, --format TEMPLATE as docker inspect does: the template once for each object their --json prints.',
];

export type Arg =
  | { kind: 'field'; path: string[] } // [] is `.`
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number };

export interface Call { fn: string | null; args: Arg[] }

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Call[]; source: string }
  /** if, range, with: `body` when the pipeline's value is true (non-empty), `otherwise` after {{else}}. */
  | { kind: 'if' | 'range' | 'with'; pipeline: Call[]; source: string; body: Node[]; otherwise: Node[] };

type Item = { kind: 'text'; text: string } | { kind: 'action'; source: string };

export interface Template {
  /** `table TEMPLATE`: a header row, and the output aligned in columns at the tabs. */
  table: boolean;
  nodes: Node[];
}

/** FUNCTIONS — the template functions and their argument counts (min, max), as docker has them. */
const FUNCTIONS: Record<string, [number, number]> = {
  json: [1, 1], join: [2, 2], lower: [1, 1], upper: [1, 1], title: [1, 1], split: [2, 2],
  len: [1, 1], truncate: [2, 2], pad: [3, 3], println: [0, Infinity],
  eq: [2, Infinity], ne: [2, 2], not: [1, 1], and: [1, Infinity], or: [1, Infinity], index: [2, Infinity],
};

const BLOCKS = new Set(['if', 'range', 'with']);
const UNSUPPORTED = new Set(['define', 'template', 'block', 'break', 'continue', 'nil', 'printf', 'print', 'lt', 'le', 'gt', 'ge', 'slice', 'call', 'html', 'js', 'urlquery']);

/**
 * parseTemplate — the template of a `--format` value other than `json` and a bare `table`.
 * `\t` and `\n` written as two characters become a tab and a newline, as docker does.
 */
export function parseTemplate(format: string): Template {
  let text = format;
  const table = /^table(\s|$)/.test(text);
  if (table) text = text.slice(5);
  if (table) text = text.trim();
  text = text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const nodes: Item[] = [];
  let i = 0;
  let trimNext = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    let literal = text.slice(i, open < 0 ? undefined : open);
    if (trimNext) literal = literal.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (literal) nodes.push({ kind: 'text', text: literal });
      break;
    }
    const close = findClose(text, open + 2);
    if (close < 0) throw new TemplateError(`unclosed action "${text.slice(open, open + 20)}": every {{ needs its }}`);
    let inner = text.slice(open + 2, close);
    if (inner.startsWith('- ') || inner === '-') { literal = literal.replace(/\s+$/, ''); inner = inner.slice(1); }
    if (inner.endsWith(' -')) { trimNext = true; inner = inner.slice(0, -1); }
    if (literal) nodes.push({ kind: 'text', text: literal });
    const source = inner.trim();
    if (!/^\/\*[\s\S]*\*\/$/.test(source)) nodes.push({ kind: 'action', source });
    i = close + 2;
  }
  const pos: Cursor = { at: 0, depth: 0 };
  const tree = parseList(nodes, pos, false);
  if (pos.at < nodes.length) throw new TemplateError(`{{${(nodes[pos.at] as { source: string }).source}}} without an {{if}}, {{range}} or {{with}} before it`);
  return { table, nodes: tree };
}

/**
 * parseList — items into nodes up to the {{end}} or {{else}} of the enclosing block (inBlock),
 * which it leaves at pos.at, or to the end of the template.
 */
function parseList(items: Item[], pos: Cursor, inBlock: string | false): Node[] {
  const out: Node[] = [];
  while (pos.at < items.length) {
    const item = items[pos.at]!;
    if (item.kind === 'text') { out.push(item); pos.at++; continue; }
    const word = /^[a-z]+/.exec(item.source)?.[0] ?? '';
    if (word === 'end' || word === 'else') {
      if (!inBlock) throw new TemplateError(`{{${item.source}}} without an {{if}}, {{range}} or {{with}} before it`);
      return out;
    }
    pos.at++;
    if (BLOCKS.has(word)) out.push(parseBlock(word as 'if' | 'range' | 'with', item.source, items, pos));
    else out.push({ kind: 'action', pipeline: parseAction(item.source), source: item.source });
  }
  if (inBlock) throw new TemplateError(`missing {{end}} of {{${inBlock}}}`);
  return out;
}

/** Cursor — where parsing is, and how many blocks deep (bounded: a template is typed by anyone). */
interface Cursor { at: number; depth: number }

/** MAX_DEPTH — blocks nested, else-if chains included; thousands overflowed the parser's stack. */
const MAX_DEPTH = 100;

/** parseBlock — {{if|range|with PIPELINE}} BODY [{{else}} OTHERWISE | {{else if ...}} ...] {{end}}. */
function parseBlock(kind: 'if' | 'range' | 'with', source: string, items: Item[], pos: Cursor): Node {
  if (++pos.depth > MAX_DEPTH) throw new TemplateError(`blocks nested more than ${MAX_DEPTH} deep (else if counts as one)`);
  try {
    return parseBlockBody(kind, source, items, pos);
  } finally {
    pos.depth--;
  }
}

function parseBlockBody(kind: 'if' | 'range' | 'with', source: string, items: Item[], pos: Cursor): Node {
  const rest = source.slice(kind.length).trim();
  if (rest === '') throw new TemplateError(`{{${kind}}} needs a value: {{${kind} .Field}}`);
  const body = parseList(items, pos, source);
  const stop = items[pos.at] as { source: string } | undefined;
  let otherwise: Node[] = [];
  if (stop && /^else\b/.test(stop.source)) {
    const chained = stop.source.slice(4).trim();
    if (chained === '') {
      pos.at++;
      otherwise = parseList(items, pos, source);
    } else {
      const word = /^[a-z]+/.exec(chained)?.[0] ?? '';
      if (word !== 'if' && word !== 'with') throw new TemplateError(`{{${stop.source}}}: after else comes nothing, if or with`);
      pos.at++;
      // {{else if X}} ... {{end}}: one {{end}} closes the whole chain.
      return { kind, pipeline: parseAction(rest), source, body, otherwise: [parseBlock(word, chained, items, pos)] };
    }
  }
  const end = items[pos.at] as { source: string } | undefined;
  if (!end || end.source !== 'end') throw new TemplateError(`missing {{end}} of {{${source}}}`);
  pos.at++;
  return { kind, pipeline: parseAction(rest), source, body, otherwise };
}

/** findClose — the `}}` that ends the action opened before `from`, skipping quoted strings. */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const end = c === '"' ? /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i)) : /^`[^`]*`/.exec(text.slice(i));
      if (!end) return -1;
      i += end[0].length - 1;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

const TOKEN = /\s*(?:(\.[A-Za-z0-9_.]*)|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\|)|(\S))/y;

function parseAction(source: string): Call[] {
  if (source === '') throw new TemplateError('empty action {{}}: write {{.Field}}');
  const calls: Call[] = [];
  let words: Array<Arg | { kind: 'ident'; name: string }> = [];
  const finish = (): void => {
    if (words.length === 0) throw new TemplateError(`missing command in "{{${source}}}"`);
    const [head, ...rest] = words;
    if (head!.kind === 'ident') {
      const fn = head!.name;
      if (!(fn in FUNCTIONS)) {
        throw new TemplateError(UNSUPPORTED.has(fn)
          ? `{{${fn}}} is not supported by tsnet's --format (supported: {{.Field}}, if, range, with, ${Object.keys(FUNCTIONS).join(', ')})`
          : `unknown function "${fn}" in "{{${source}}}" (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
      }
      const args = rest.map((w) => {
        if (w.kind === 'ident') throw new TemplateError(`"${w.name}" in "{{${source}}}": only one function per command; use a pipe, {{.X | ${w.name}}}`);
        return w;
      });
      calls.push({ fn, args });
    } else {
      if (rest.length > 0) throw new TemplateError(`"{{${source}}}" has a value where a function was expected; write {{func .A .B}}`);
      calls.push({ fn: null, args: [head as Arg] });
    }
    words = [];
  };
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) break;
    const [, field, dq, raw, num, ident, pipe, other] = m;
    if (field !== undefined) {
      const path = field === '.' ? [] : field.slice(1).split('.');
      if (path.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw new TemplateError(`bad field "${field}" in "{{${source}}}": write .Name or .A.B`);
      words.push({ kind: 'field', path });
    } else if (dq !== undefined) words.push({ kind: 'string', value: unquote(dq, source) });
    else if (raw !== undefined) words.push({ kind: 'string', value: raw.slice(1, -1) });
    else if (num !== undefined) words.push({ kind: 'number', value: Number(num) });
    else if (ident !== undefined) words.push({ kind: 'ident', name: ident });
    else if (pipe !== undefined) finish();
    else if (other !== undefined) {
      const what = other === '$' ? 'variables ($)' : other === '(' || other === ')' ? 'parentheses' : `"${other}"`;
      throw new TemplateError(`${what} in "{{${source}}}" at column ${at + 1} not supported by tsnet's --format`);
    }
  }
  finish();
  for (const c of calls) {
    if (c.fn === null) continue;
    const [min, max] = FUNCTIONS[c.fn]!;
    const n = c.args.length + (c === calls[0] ? 0 : 1);
    if (n < min || n > max) throw new TemplateError(`${c.fn} takes ${min === max ? min : `${min} or more`} argument${max === 1 ? '' : 's'}, "{{${source}}}" gives ${n}`);
  }
  return calls;
}

function unquote(quoted: string, source: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new TemplateError(`bad string ${quoted} in "{{${source}}}"`);
  }
}

/**
 * templateFields — every field path the template reads from the object itself, to check them
 * before printing anything (inside range and with, `.` is another value: checked as rendered).
 */
export function templateFields(t: Template): string[][] {
  const out: string[][] = [];
  const walk = (nodes: Node[]): void => {
    for (const n of nodes) {
      if (n.kind === 'text') continue;
      for (const c of n.pipeline) for (const a of c.args) if (a.kind === 'field' && a.path.length > 0) out.push(a.path);
      if (n.kind === 'if') walk(n.body);
      if (n.kind !== 'action') walk(n.otherwise);
    }
  };
  walk(t.nodes);
  return out;
}
