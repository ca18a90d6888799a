// json-schema — writes docs/json-schema/tsnet-output.schema.json, the JSON Schema of every
// object kind tsnet prints with --json, from the zod schemas tsc compiled
// (src/cli/json-schema.ts). The document is committed; test/unit/cli/json-schema.test.ts
// fails when it differs from what the schemas generate, so run this after changing a kind.
// Usage: npm run build && node scripts/json-schema.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const req = createRequire(join(root, 'package.json'));
const { outputSchemaDocument } = req('./dist/src/cli/json-schema.js');
const file = join(root, 'docs', 'json-schema', 'tsnet-output.schema.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(outputSchemaDocument(), null, 2)}\n`);
console.log(`wrote ${file}`);
