/**
 * The firewall folder reads top-down (issue 9 point 8): the interface and its data types
 * (firewall.ts) import no backend, the backends import neither each other nor the selector,
 * and only the selector knows all of them. A cycle here once made the load order decide
 * which half of the module was undefined.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const NAT = join(__dirname, '..', '..', '..', '..', 'src', 'nat');
const imports = (file: string): string[] => [...readFileSync(join(NAT, file), 'utf8').matchAll(/from '\.\/([a-z0-9-]+)\.js'/g)].map((m) => m[1]!);
const BACKENDS = ['iptables', 'nftables', 'none'];

test('firewall.ts imports no backend and not the selector', () => {
  assert.deepEqual(imports('firewall.ts').filter((m) => [...BACKENDS, 'select-backend'].includes(m)), []);
});

test('no backend imports another backend or the selector', () => {
  for (const b of BACKENDS) assert.deepEqual(imports(`${b}.ts`).filter((m) => [...BACKENDS, 'select-backend'].includes(m) && m !== b), [], b);
});

test('the selector is what brings the backends together', () => {
  assert.ok(BACKENDS.some((b) => imports('select-backend.ts').includes(b)));
});
