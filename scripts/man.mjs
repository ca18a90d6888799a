// man — writes dist/man/tsnet.1, tsnet(1) generated from the command definitions that
// tsc compiled (src/cli/man-page.ts), so the man page and --help never disagree.
// SOURCE_DATE_EPOCH, when set, dates the page (reproducible builds).
// Usage: node scripts/man.mjs            (run by `npm run build`, after tsc)
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const req = createRequire(join(root, 'package.json'));
const { buildProgram } = req('./dist/src/cli/main.js');
const { commandTree } = req('./dist/src/cli/command-tree.js');
const { manPage } = req('./dist/src/cli/man-page.js');
const { EXIT_CODES } = req('./dist/src/core/errors.js');

const program = buildProgram();
const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now();
const page = manPage(commandTree(program), EXIT_CODES, program.version() ?? '', new Date(epoch).toISOString().slice(0, 10));
mkdirSync(join(root, 'dist', 'man'), { recursive: true });
writeFileSync(join(root, 'dist', 'man', 'tsnet.1'), page);
console.log(`man: dist/man/tsnet.1 (${page.split('\n').length} lines)`);
