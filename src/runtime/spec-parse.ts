/**
 * spec-parse — what users type for `tsnet run` (Docker's spellings) into spec values:
 * sizes (32m, 1g), CPU counts, -v, --tmpfs, --add-host, --ulimit, -e/--env-file lines and
 * --network. Pure; every malformed value is a one-line EINVAL naming it.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { formatIp, parseIp } from '../ipam/cidr.js';
import { containerPath, type HostEntry, type NetworkMode, type TmpfsSpec, type UlimitSpec, type VolumeSpec } from './spec.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** parseSize — Docker's RAMInBytes: "32m", "1.5g", "512k", "1048576" (binary units). */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  if (!m) throw invalid(`${what} "${text}" is not a size (say 32m, 512k or 1g)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) throw invalid(`${what} "${text}" is too large`);
  return bytes;
}

/** parseCpus — a positive decimal number of CPUs ("0.5", "2"). */
export function parseCpus(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0)) throw invalid(`--cpus "${text}" must be a positive number, e.g. 0.5 or 2`);
  return Number(text);
}

/** parseVolume — -v HOST:CTR[:ro|rw] (an absolute host path; named volumes are not supported). */
export function parseVolume(text: string): VolumeSpec {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw invalid(`volume "${text}" must be HOST-PATH:CONTAINER-PATH[:ro|rw]`);
  }
  const [source, target, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/')) throw invalid(`volume "${text}": the host path must be absolute (named volumes are not supported)`);
  const flags = (mode ?? 'rw').split(',');
  for (const f of flags) if (!['ro', 'rw', 'z', 'Z'].includes(f)) throw invalid(`volume "${text}": unknown mode "${f}" (ro or rw)`);
  return { source: source.replace(/(.)\/+$/, '$1'), target: containerPath(target, `volume "${text}" target`), readonly: flags.includes('ro') };
}

const TMPFS_OPTION = /^(ro|rw|nosuid|suid|nodev|dev|noexec|exec|size=\d+[kmg]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmg]?)$/;

/** parseTmpfs — --tmpfs /run[:opts]; Docker's defaults (noexec,nosuid,nodev) unless overridden. */
export function parseTmpfs(text: string): TmpfsSpec {
  const colon = text.indexOf(':');
  const target = containerPath(colon < 0 ? text : text.slice(0, colon), '--tmpfs target');
  const given = colon < 0 ? [] : text.slice(colon + 1).split(',').filter(Boolean);
  for (const o of given) if (!TMPFS_OPTION.test(o)) throw invalid(`--tmpfs "${text}": option "${o}" is not allowed`);
  const has = (a: string, b: string): boolean => given.includes(a) || given.includes(b);
  const defaults = [has('exec', 'noexec') ? '' : 'noexec', has('suid', 'nosuid') ? '' : 'nosuid', has('dev', 'nodev') ? '' : 'nodev'].filter(Boolean);
  return { target, options: [...defaults, ...given].join(',') };
}

/** parseAddHost — --add-host NAME:IP (IPv6 as NAME:[::1] or NAME:::1), or host-gateway. */
export function parseAddHost(text: string): HostEntry {
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalid(`--add-host "${text}" must be NAME:IP`);
  const name = text.slice(0, colon);
  const ipText = text.slice(colon + 1).replace(/^\[(.*)\]$/, '$1');
  const ip = parseIp(ipText, `--add-host ${name}`);
  return { name, ip: formatIp(ip.family, ip.addr) };
}

const ULIMITS = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

/** parseUlimit — --ulimit NAME=SOFT[:HARD] (numbers or "unlimited"). */
export function parseUlimit(text: string): UlimitSpec {
  const m = /^([a-z]+)=(-?\d+|unlimited)(?::(-?\d+|unlimited))?$/.exec(text);
  if (!m || !ULIMITS.includes(m[1]!)) throw invalid(`--ulimit "${text}" must be NAME=SOFT[:HARD] with NAME one of ${ULIMITS.join(', ')}`);
  const value = (v: string): number | 'unlimited' => (v === 'unlimited' || v === '-1' ? 'unlimited' : Number(v));
  const soft = value(m[2]!);
  const hard = value(m[3] ?? m[2]!);
  if (soft !== 'unlimited' && (hard === 'unlimited' ? false : soft > hard)) throw invalid(`--ulimit "${text}": the soft limit is above the hard one`);
  return { name: m[1]!, soft, hard };
}

/**
 * parseEnvLines — -e entries and --env-file lines: K=V as is; a bare K takes the value from
 * `lookup` (the caller's environment) and is dropped when unset, as Docker does. Blank lines
 * and '#' comments (env files) are skipped.
 */
export function parseEnvLines(lines: readonly string[], lookup: (key: string) => string | undefined, what = '-e'): string[] {
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line.trim() : line.slice(0, eq);
    if (!/^[^\s=][^=]*$/.test(key) || key.includes('\0')) throw invalid(`${what} "${line}": "${key}" is not a variable name`);
    if (eq >= 0) out.push(line);
    else {
      const v = lookup(key);
      if (v !== undefined) out.push(`${key}=${v}`);
    }
  }
  return out;
}

/** parseNetworkMode — --network bridge|host|none|container:NAME|NETWORK. */
export function parseNetworkMode(text: string): { mode: NetworkMode; network?: string } {
  if (text === 'host' || text === 'none') return { mode: { kind: text } };
  if (text.startsWith('container:')) {
    const name = text.slice('container:'.length);
    if (!name) throw invalid('--network container: needs a container name or id');
    return { mode: { kind: 'container', container: name } };
  }
  if (text === '' ) throw invalid('--network needs a value: bridge, host, none, container:NAME or a network name');
  return { mode: { kind: 'networks' }, network: text };
}

/** mergeEnv — image Env, then the container's: a later KEY replaces an earlier one in place. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...extra]) out.set(e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e);
  return [...out.values()];
}
