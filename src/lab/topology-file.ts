/**
 * topology-file — reads a lab file's text into a LabFile: YAML syntax errors and schema
 * errors both become one-line EINVAL errors that name the file, the line and the key
 * ("lab.yaml:12: nodes.web.host: ..."). Pure apart from nothing: the caller reads the file.
 * @pure
 */
import { invalid } from '../core/errors.js';
import type { LabFile } from './schema.js';

/** SourceMap — where each key path of the file starts, for errors found after parsing. */
export interface SourceMap {
  file: string;
  /** The 1-based line of a key path (nearest existing ancestor when the path is absent). */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

export interface ParsedLab {
  lab: LabFile;
  source: SourceMap;
}

/** at — "FILE:LINE: PATH: " prefix for an error about a key path. */
export function at(source: SourceMap, path: ReadonlyArray<string | number>): string {
  const line = source.lineOf(path);
  const where = path.length ? `${path.join('.')}: ` : '';
  return `${source.file}${line ? `:${line}` : ''}: ${where}`;
}

export function parseLabText(text: string, file: string): ParsedLab {
  /* tsnet-lint-disable no-require -- yaml and zod load only when a lab file is parsed, not at CLI start-up */
  const YAML = require('yaml') as typeof import('yaml');
  const { labSchema } = require('./schema.js') as typeof import('./schema.js');
  /* tsnet-lint-enable no-require */
  if (text.length > 1024 * 1024) throw invalid(`${file}: a lab file larger than 1 MiB is refused`);
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lines.linePos(offset).line);
  const first = doc.errors[0];
  if (first) throw invalid(`${file}:${lineAt(first.pos[0]) ?? '?'}: ${first.message.split('\n')[0]}`);
  const source: SourceMap = {
    file,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const prefix = path.slice(0, n);
        // The key's own line reads better than its value's (which may start lines later).
        if (n > 0) {
          const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
          const last = prefix[prefix.length - 1];
          if (YAML.isMap(parent)) {
            const pair = parent.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === String(last));
            const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
            if (keyNode?.range) return lineAt(keyNode.range[0]);
          }
        }
        const node = n === 0 ? doc.contents : doc.getIn(prefix, true);
        const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
        if (range) return lineAt(range[0]);
      }
      return undefined;
    },
  };
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`${file}: a lab file is a YAML mapping with name, hosts, nodes and links`);
  const result = labSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    // An unknown key is shown at its own line, under its parent's path.
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys ?? [] : [];
    const line = source.lineOf(keys.length ? [...path, keys[0]!] : path);
    throw invalid(`${source.file}${line ? `:${line}` : ''}: ${path.length ? `${path.join('.')}: ` : ''}${describeIssue(issue)}`);
  }
  return { lab: result.data, source };
}

/** describeIssue — zod's message, made specific for the common cases (unknown key, wrong type). */
function describeIssue(issue: { code: string; message: string; keys?: string[]; expected?: string; path: PropertyKey[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.expected) return `expected ${issue.expected}${/received (\w+)/.exec(issue.message)?.[1] ? `, got ${/received (\w+)/.exec(issue.message)![1]}` : ''}`;
  return issue.message;
}
