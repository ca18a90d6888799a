/**
 * config — the state root's optional config.json, for settings a user sets once per host
 * rather than per command. Keys use the Docker daemon.json spelling, so a block copied
 * from daemon.json works as is:
 *   { "default-address-pools": [ { "base": "10.200.0.0/16", "size": 24 } ] }
 * Settings Docker does not have use the same style: "registry-connect-timeout": "30s",
 * "registry-idle-timeout": "1m", "max-layer-size": "32GiB" (see images/limits.ts).
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
  /** Seconds to wait for a registry's TCP connection. */
  registryConnectTimeout?: number | undefined;
  /** Seconds a registry may stay silent in the middle of a request. */
  registryIdleTimeout?: number | undefined;
  /** Bytes a layer may unpack to (its decompressed tar). */
  maxLayerSize?: number | undefined;
}

const KNOWN = new Set(['default-address-pools', 'registry-connect-timeout', 'registry-idle-timeout', 'max-layer-size']);

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };
const BYTES: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };

/** quantity — a positive number, or a string "<number><unit>" with a unit from `units` (case-insensitive). */
function quantity(v: unknown, units: Record<string, number>, what: string, example: string): number | undefined {
  if (v === undefined) return undefined;
  const m = typeof v === 'number' ? [String(v), String(v), ''] : typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v) : null;
  const unit = m ? units[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw invalid(`${what} ${JSON.stringify(v)} must be a positive quantity, e.g. ${example}`);
  return n;
}

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
  const v = value as Record<string, unknown>;
  const pools = v['default-address-pools'];
  const out: RootConfig = { defaultAddressPools: pools === undefined ? undefined : parsePools(pools, `${file} default-address-pools`) };
  const connect = quantity(v['registry-connect-timeout'], SECONDS, `${file} registry-connect-timeout`, '"30s"');
  const idle = quantity(v['registry-idle-timeout'], SECONDS, `${file} registry-idle-timeout`, '"1m"');
  const layer = quantity(v['max-layer-size'], BYTES, `${file} max-layer-size`, '"32GiB"');
  if (connect !== undefined) out.registryConnectTimeout = connect;
  if (idle !== undefined) out.registryIdleTimeout = idle;
  if (layer !== undefined) out.maxLayerSize = Math.floor(layer);
  return out;
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
