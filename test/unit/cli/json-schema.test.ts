import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_KINDS, OUTPUTS, outputSchemaDocument, schemaFor } from '../../../src/cli/json-schema.js';

// dist/test/unit/cli → the repository root
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'json-schema', 'tsnet-output.schema.json');

describe('JSON output schema', () => {
  test('the committed document is what the schemas generate (run node scripts/json-schema.mjs after changing a kind)', () => {
    assert.deepEqual(JSON.parse(readFileSync(DOC, 'utf8')), JSON.parse(JSON.stringify(outputSchemaDocument())));
  });

  test('every kind is in the document, and every command names a kind that exists', () => {
    const doc = outputSchemaDocument() as { $defs: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.$defs).sort(), Object.keys(OUTPUT_KINDS).sort());
    for (const kind of Object.values(OUTPUTS)) assert.doesNotThrow(() => schemaFor(kind), kind);
  });

  test('objects are strict: a missing key, an extra key, undefined for null and epoch timestamps fail', () => {
    const ok = { error: 'no network named x', code: 'ENOTFOUND' };
    assert.equal(schemaFor('error').safeParse(ok).success, true);
    assert.equal(schemaFor('error').safeParse({ error: 'x' }).success, false);
    assert.equal(schemaFor('error').safeParse({ ...ok, extra: 1 }).success, false);
    const p = { ip: '10.0.0.5', mac: '02:00:00:00:00:01', hostname: null, state: 'bound', expiresAt: '2026-12-03T13:00:00.000Z', port: null };
    const lease = OUTPUT_KINDS.network.shape.dhcpServer.unwrap().shape.leases.element;
    assert.equal(lease.safeParse(p).success, true);
    assert.equal(lease.safeParse({ ...p, hostname: undefined }).success, false);
    assert.equal(lease.safeParse({ ...p, expiresAt: 1796302800000 }).success, false);
    assert.equal(lease.safeParse({ ...p, expiresAt: '2026-12-03 13:00:00' }).success, false);
  });
});
