/**
 * render — the lab graph written to a file in the format its extension names: .dot and
 * .mmd as text, .svg through Graphviz `dot` (Debian's graphviz package).
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { invalid } from '../core/errors.js';
import { run } from '../core/exec.js';
import { toDot, toMermaid, type GraphInput } from './graph.js';

export type GraphFormat = 'dot' | 'mmd' | 'svg';

export function formatOf(path: string): GraphFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if (ext === 'dot' || ext === 'gv') return 'dot';
  if (ext === 'mmd' || ext === 'mermaid') return 'mmd';
  if (ext === 'svg') return 'svg';
  throw invalid(`-o ${path}: the extension says the format: .svg, .dot or .mmd`);
}

export async function renderSvg(g: GraphInput): Promise<string> {
  return (await run(['dot', '-Tsvg'], { input: toDot(g), timeoutMs: 30000 })).stdout;
}

export async function writeGraph(path: string, g: GraphInput): Promise<void> {
  const format = formatOf(path);
  const text = format === 'dot' ? toDot(g) : format === 'mmd' ? toMermaid(g) : await renderSvg(g);
  writeFileSync(path, text);
}
