/**
 * delegate — runs an IPAM plugin the way libcni's invoke.DelegateAdd/Del/Check/GC/Status do
 * (interfaces.md 1.10): found by its type in CNI_PATH, given the same environment with only
 * CNI_COMMAND changed and the whole request config on stdin; its stderr passes through to
 * ours, its stdout is its result or its error (which is handed up unchanged in code).
 */
import { run } from '../core/exec.js';
import { locatePlugin } from '../network/cni-records.js';
import { CNI_CODE, CniError } from './errors.js';
import type { CniCommand, CniEnv } from './env.js';
import { parseResult, type CniResult } from './version.js';

/** How long an IPAM plugin may take (dhcp waits for a lease): then it is killed and this fails. */
const DELEGATE_TIMEOUT_MS = 60_000;

export function findPlugin(type: string, path: readonly string[]): string {
  const file = locatePlugin(type, path);
  if (file) return file;
  throw new CniError(CNI_CODE.invalidConfig, 'invalid network configuration', `ipam.type ${JSON.stringify(type)}: no such plugin in CNI_PATH ${path.join(':') || '(empty)'}`);
}

/** delegate — runs the plugin; resolves with its parsed result (ADD) or nothing. */
export async function delegate(type: string, command: CniCommand, env: CniEnv, procEnv: NodeJS.ProcessEnv, stdin: string, stderr: NodeJS.WritableStream): Promise<CniResult | undefined> {
  const file = findPlugin(type, env.path);
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(procEnv)) if (v !== undefined) childEnv[k] = v;
  childEnv['CNI_COMMAND'] = command;
  const r = await run([file], { input: stdin, env: childEnv, allowFailure: true, timeoutMs: DELEGATE_TIMEOUT_MS });
  if (r.stderr) stderr.write(r.stderr);
  const { code, stdout } = r;
  if (code !== 0) throw pluginError(type, command, code, stdout);
  if (command !== 'ADD') return undefined;
  let raw: unknown;
  try { raw = JSON.parse(stdout); } catch {
    throw new CniError(CNI_CODE.decodingFailure, 'failed to decode IPAM result', `${type} ADD printed no JSON result: ${stdout.slice(0, 200)}`);
  }
  return parseResult(raw, `${type} result`);
}

/** pluginError — the delegate's own error (its code and message), said to come from it. */
function pluginError(type: string, command: string, status: number, stdout: string): CniError {
  try {
    const e = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.code === 'number') {
      return new CniError(e.code, `${type}: ${String(e.msg ?? 'failed')}`, typeof e.details === 'string' ? e.details : '');
    }
  } catch { /* not JSON: below */ }
  return new CniError(CNI_CODE.internal, `IPAM plugin ${type} ${command} failed`, `exit status ${status}${stdout.trim() ? `: ${stdout.trim().slice(0, 200)}` : ''}`);
}
