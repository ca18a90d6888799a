/**
 * config — the container's resolved configuration: the spec merged with the image's config
 * the way Docker merges them (Entrypoint + Cmd, Env, WorkingDir, User), fixed at create
 * time and stored with the container, so a later retag of the image changes nothing. Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { effectiveCaps, type Capability } from './caps.js';
import { mergeEnv } from './spec-parse.js';
import type { ContainerSpec } from './spec.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ProcessConfig {
  args: string[];
  env: string[];
  workdir: string;
  user: string;
}

export interface ContainerConfig {
  /** The spec as given (normalised), kept for inspect, commit and restart. */
  spec: ContainerSpec;
  process: ProcessConfig;
  hostname: string;
  caps: Capability[] | 'ALL';
}

interface ImageRuntimeConfig { Env?: unknown; Cmd?: unknown; Entrypoint?: unknown; WorkingDir?: unknown; User?: unknown }

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

/** imageRuntimeConfig — the "config" object of an image config document (may be absent). */
export function imageRuntimeConfig(raw: Record<string, unknown>): ImageRuntimeConfig {
  const c = raw['config'];
  return typeof c === 'object' && c !== null ? (c as ImageRuntimeConfig) : {};
}

/** processArgs — Docker's rule: --entrypoint drops the image's Cmd unless a command is given. */
export function processArgs(spec: ContainerSpec, image: ImageRuntimeConfig): string[] {
  const entrypoint = spec.entrypoint ?? strings(image.Entrypoint) ?? [];
  const cmd = spec.cmd && spec.cmd.length > 0 ? spec.cmd : spec.entrypoint !== undefined ? [] : (strings(image.Cmd) ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0 || args[0] === '') throw invalid('no command specified: the image has no Cmd or Entrypoint; give one after the image name');
  return args;
}

export function resolveConfig(spec: ContainerSpec, imageRaw: Record<string, unknown>, id: string): ContainerConfig {
  const image = imageRuntimeConfig(imageRaw);
  const hostname = spec.hostname ?? id.slice(0, 12);
  let env = mergeEnv(strings(image.Env) ?? [], spec.env ?? []);
  if (!env.some((e) => e.startsWith('PATH='))) env = [DEFAULT_PATH, ...env];
  env = mergeEnv([`HOSTNAME=${hostname}`], env);
  if (spec.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
  const workdir = spec.workdir || (typeof image.WorkingDir === 'string' && image.WorkingDir) || '/';
  const user = spec.user ?? (typeof image.User === 'string' ? image.User : '');
  return {
    spec,
    process: { args: processArgs(spec, image), env, workdir, user },
    hostname,
    caps: effectiveCaps(spec),
  };
}
