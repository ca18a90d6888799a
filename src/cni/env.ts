/**
 * env — the CNI parameters a runtime passes in the environment (SPEC.md "Parameters"),
 * checked the way libcni's skel does it (interfaces.md 1.2): which variables each command
 * needs, container id and interface name syntax, CNI_ARGS pairs. VERSION needs none (libcni
 * probes it with dummy values). Every refusal is code 4 naming the variable. Pure.
 * @pure
 */
import { CNI_CODE, CniError } from './errors.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'] as const;
export type CniCommand = (typeof COMMANDS)[number];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  /** Empty on DEL when the runtime no longer has it. */
  netns: string;
  ifname: string;
  /** CNI_ARGS, parsed: IP, MAC, K8S_POD_NAME... */
  args: Record<string, string>;
  /** CNI_PATH, split: where delegated IPAM plugins are looked up. */
  path: string[];
}

const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const REQUIRED: Record<CniCommand, string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

function envError(details: string): CniError {
  return new CniError(CNI_CODE.invalidEnv, 'invalid environment variables', details);
}

/** commandOf — CNI_COMMAND, or code 4 when missing or unknown. */
export function commandOf(env: NodeJS.ProcessEnv): CniCommand {
  const c = env['CNI_COMMAND'];
  if (!c) throw envError('required env variables [CNI_COMMAND] missing');
  if (!(COMMANDS as readonly string[]).includes(c)) throw envError(`unknown CNI_COMMAND: ${JSON.stringify(c)} (one of ${COMMANDS.join(', ')})`);
  return c as CniCommand;
}

/** validateIfname — Linux's dev_valid_name plus skel's rules: 1-15 bytes, not . or .., no / : or space. */
export function validateIfname(name: string): void {
  const bad = name.length === 0 ? 'is empty'
    : Buffer.byteLength(name) > 15 ? 'is longer than 15 bytes'
    : name === '.' || name === '..' ? 'is . or ..'
    : /[/:\s]/.test(name) ? 'contains "/", ":" or whitespace' : undefined;
  if (bad) throw envError(`CNI_IFNAME ${JSON.stringify(name)} ${bad}`);
}

/** parseCniArgs — "K1=V1;K2=V2"; a pair without "=" is refused, naming it. */
export function parseCniArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw envError(`CNI_ARGS pair ${JSON.stringify(pair)} is not KEY=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function parseEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = commandOf(env);
  const missing = REQUIRED[command].filter((k) => !env[k]);
  if (missing.length > 0) throw envError(`required env variables [${missing.join(',')}] missing`);
  const containerId = env['CNI_CONTAINERID'] ?? '';
  const ifname = env['CNI_IFNAME'] ?? '';
  if (REQUIRED[command].includes('CNI_CONTAINERID') && !CONTAINER_ID.test(containerId)) {
    throw envError(`CNI_CONTAINERID ${JSON.stringify(containerId)} must start with a letter or digit and use only letters, digits and _.-`);
  }
  if (REQUIRED[command].includes('CNI_IFNAME')) validateIfname(ifname);
  const netns = env['CNI_NETNS'] ?? '';
  if (netns !== '' && !netns.startsWith('/')) throw envError(`CNI_NETNS ${JSON.stringify(netns)} is not an absolute path`);
  return {
    command, containerId, netns, ifname,
    args: parseCniArgs(env['CNI_ARGS'] ?? ''),
    path: (env['CNI_PATH'] ?? '').split(':').filter(Boolean),
  };
}
