/**
 * The floors of DESIGN.md ("data flows down, never up"), checked on the source: no module
 * imports from a folder on a higher floor. Orchestration (attach, network, runtime, images)
 * may import the EngineContext *type* from engine/: the caller hands the context down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'src');

/**
 * Higher number = higher floor. network calls attach, so it stands half a floor above it;
 * runtime (containers) connects its containers to networks, so it stands above network.
 */
const FLOOR: Record<string, number> = {
  cli: 4, cni: 4, api: 4, lab: 4, daemon: 4,
  engine: 3,
  runtime: 2.75,
  network: 2.5,
  attach: 2, images: 2,
  bridge: 1, veth: 1, netns: 1, nat: 1, dhcp: 1, dns: 1, storage: 1, netlink: 1, tc: 1, vxlan: 1,
  core: 0, state: 0, ipam: 0,
};

/** Upward imports that predate this test, each to be moved down; do not add to this list. */
const KNOWN = new Set([
  'state/dhcp-leases.ts -> dhcp/client-machine.js',
  'state/dhcp-servers.ts -> dhcp/server-logic.js',
  'storage/driver.ts -> images/digest.js',
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : e.endsWith('.ts') ? [p] : [];
  });
}

test('every src/ folder has a floor', () => {
  const folders = readdirSync(SRC).filter((e) => statSync(join(SRC, e)).isDirectory());
  const missing = folders.filter((f) => FLOOR[f] === undefined);
  assert.deepEqual(missing, [], `give ${missing.join(', ')} a floor in test/unit/layers.test.ts (see DESIGN.md's layers)`);
});

test('no import runs up a floor', () => {
  const up: string[] = [];
  for (const file of sources(SRC)) {
    const rel = file.slice(SRC.length + 1);
    const from = rel.split('/')[0]!;
    const text = readFileSync(file, 'utf8');
    // import/export ... from '../x/y' (over several lines too), and lazy require('../x/y').
    for (const m of text.matchAll(/^(?:(import type|import|export)\b[^;]*?from|.*?require\()\s*'\.\.\/([a-z0-9-]+)\/([^']+)'/gm)) {
      const [, kind, to, mod] = m;
      if ((FLOOR[to!] ?? 0) <= (FLOOR[from] ?? 0)) continue;
      if (to === 'engine' && mod === 'context.js' && kind === 'import type' && FLOOR[from]! >= 2) continue;
      const edge = `${rel} -> ${to}/${mod}`;
      if (!KNOWN.has(edge)) up.push(edge);
    }
  }
  assert.deepEqual(up, []);
});
