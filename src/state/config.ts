/**
 * config — the state root's optional config.json, for settings a user sets once per host
 * rather than per command. Keys use the Docker daemon.json spelling, so a block copied
 * from daemon.json works as is:
 *   { "default-address-pools": [ { "base": "10.200.0.0/16", "size": 24 } ] }
 * A missing file means the defaults; a malformed one is a one-line error naming the file,
 * never a silent fallback (a typo must not put networks on the subnets the user avoided).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../core/errors.js';
import { parsePools, type Pool } from '../ipam/pools.js';

export interface RootConfig {
  /** Replaces Docker's local pools for `--subnet auto` (IPv4 entries) and `--ipv6` (IPv6 entries). */
  defaultAddressPools?: Pool[] | undefined;
}

const KNOWN = new Set(['default-address-pools']);

export function configPath(root: string): string {
  return join(root, 'config.json');
}

/** parseConfig — validates the file's text; pure, so every malformed case is unit-tested. */
export function parseConfig(text: string, file = 'config.json'): RootConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${file} must hold a JSON object`);
  const unknown = Object.keys(value).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw invalid(`${file}: unknown setting "${unknown[0]}" (known: ${[...KNOWN].join(', ')})`);
  const pools = (value as Record<string, unknown>)['default-address-pools'];
  return { defaultAddressPools: pools === undefined ? undefined : parsePools(pools, `${file} default-address-pools`) };
}

export function loadConfig(root: string): RootConfig {
  const file = configPath(root);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalid(`cannot read ${file}: ${(e as Error).message}`);
  }
  return parseConfig(text, file);
}
