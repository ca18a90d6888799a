/**
 * migrations.test — every migration step applies to a fresh state root, and the schema has
 * every table the repositories use. Catches a step broken by a merge before any kernel test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/state/db.js';
import { MIGRATIONS } from '../../../src/state/migrations.js';

test('a fresh state root gets every migration and every table', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsnet-migrations-'));
  try {
    const db = openDatabase(root);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    for (const t of ['meta', 'attachments', 'attachment_addresses', 'created_bridges', 'networks', 'ports', 'dhcp_leases', 'dhcp_server_leases', 'layers', 'images', 'image_layers', 'image_tags']) {
      assert.ok(tables.includes(t), `table ${t}`);
    }
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    db.close();
    const again = openDatabase(root); // reopening applies nothing twice
    assert.equal(again.pragma('user_version', { simple: true }), MIGRATIONS.length);
    again.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
