/**
 * A CNI runtime for tests, doing what libcni does (containernetworking/cni libcni/api.go,
 * pkg/invoke): VERSION probing of every plugin of a conflist with dummy values, then ADD
 * through the list in order (each plugin's request config derived from its conflist entry:
 * cniVersion, name, runtimeConfig with only the capabilities it declared, prevResult = the
 * previous result), CHECK and DEL through it with the final ADD result (DEL in reverse),
 * and GC with cni.dev/valid-attachments. Plugins run in the test's "host" netns (nsenter
 * --net, as podman runs them in its own) from a bin dir holding tsnet's client as `tsnet`
 * and Debian's reference plugins.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSNET_BIN } from './tsnet.js';

export const REFERENCE_PLUGINS = '/usr/lib/cni';

export interface PluginConf { type: string; capabilities?: Record<string, boolean>; [key: string]: unknown }
export interface Conflist { cniVersion: string; name: string; plugins: PluginConf[] }
export interface CniRun { status: number; stdout: string; stderr: string; json?: Record<string, unknown> | undefined }

/** binDir — a CNI bin dir with tsnet (a link to the native client) in it; Debian's plugins come after it in CNI_PATH. */
export function tsnetBinDir(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'tsnet-t-cnibin-'));
  symlinkSync(TSNET_BIN, join(dir, 'tsnet'));
  return dir;
}

export interface Target { containerId: string; netns: string; ifname: string; args?: string | undefined; capabilityArgs?: Record<string, unknown> | undefined }

export class CniRuntime {
  readonly path: string;

  constructor(readonly hostNs: string, readonly binDir: string, readonly env: Record<string, string> = {}) {
    this.path = `${binDir}:${REFERENCE_PLUGINS}`;
  }

  private find(type: string): string {
    for (const dir of this.path.split(':')) if (spawnSync('test', ['-x', join(dir, type)]).status === 0) return join(dir, type);
    throw new Error(`no CNI plugin ${type} in ${this.path}`);
  }

  private envFor(command: string, t?: Target): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_PATH: this.path,
      ...(t ? { CNI_CONTAINERID: t.containerId, CNI_NETNS: t.netns, CNI_IFNAME: t.ifname, CNI_ARGS: t.args ?? 'IgnoreUnknown=1' } : {}),
      ...this.env,
    };
  }

  /** exec — one plugin call, synchronously. */
  exec(type: string, env: Record<string, string>, stdin: string): CniRun {
    const r = spawnSync('nsenter', [`--net=/run/netns/${this.hostNs}`, '--', this.find(type)], { input: stdin, encoding: 'utf8', env, timeout: 60_000 });
    return withJson({ status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr });
  }

  /** execAsync — the same as a promise (parallel callers); `onSpawn` gets the child (to kill it). */
  execAsync(type: string, env: Record<string, string>, stdin: string, onSpawn?: (pid: number) => void): Promise<CniRun> {
    return new Promise((resolve) => {
      const child = spawn('nsenter', [`--net=/run/netns/${this.hostNs}`, '--', this.find(type)], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.on('close', (code, signal) => resolve(withJson({ status: code ?? (signal ? 137 : 1), stdout, stderr })));
      child.stdin.end(stdin);
      if (child.pid !== undefined) onSpawn?.(child.pid);
    });
  }

  /** version — VERSION as libcni's GetVersionInfo sends it: dummy netns/ifname/path, no container id. */
  version(type: string, cniVersion: string): CniRun {
    const env = { ...this.envFor('VERSION'), CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy', CNI_CONTAINERID: '' };
    return this.exec(type, env, JSON.stringify({ cniVersion }));
  }

  /** validate — libcni's ValidateNetworkList: every plugin must list the conflist's exact version. */
  validate(list: Conflist): void {
    for (const p of list.plugins) {
      const v = this.version(p.type, list.cniVersion);
      const supported = v.json?.['supportedVersions'] as string[] | undefined;
      if (v.status !== 0 || !supported?.includes(list.cniVersion)) throw new Error(`plugin ${p.type} does not support ${list.cniVersion}: ${v.stdout}${v.stderr}`);
    }
  }

  /** requestConfig — the per-plugin stdin (spec "Deriving request configuration"). */
  requestConfig(list: Conflist, p: PluginConf, extra: Record<string, unknown>, t?: Target): string {
    const conf: Record<string, unknown> = { ...p, cniVersion: list.cniVersion, name: list.name };
    delete conf['capabilities'];
    const rc: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(p.capabilities ?? {})) if (on && t?.capabilityArgs?.[cap] !== undefined) rc[cap] = t.capabilityArgs[cap];
    if (Object.keys(rc).length > 0) conf['runtimeConfig'] = rc;
    return JSON.stringify({ ...conf, ...extra });
  }

  /** add — ADD through the list; the final result, or the first failure (no DEL: the caller decides). */
  add(list: Conflist, t: Target): CniRun {
    let prev: Record<string, unknown> | undefined;
    let last: CniRun | undefined;
    for (const p of list.plugins) {
      last = this.exec(p.type, this.envFor('ADD', t), this.requestConfig(list, p, prev ? { prevResult: prev } : {}, t));
      if (last.status !== 0) return last;
      prev = last.json;
    }
    return last!;
  }

  /** addAsync — ADD of a one-plugin list, as a promise. */
  addAsync(list: Conflist, t: Target, onSpawn?: (pid: number) => void): Promise<CniRun> {
    const p = list.plugins[0]!;
    return this.execAsync(p.type, this.envFor('ADD', t), this.requestConfig(list, p, {}, t), onSpawn);
  }

  check(list: Conflist, t: Target, result: Record<string, unknown>): CniRun {
    for (const p of list.plugins) {
      const r = this.exec(p.type, this.envFor('CHECK', t), this.requestConfig(list, p, { prevResult: result }, t));
      if (r.status !== 0) return r;
    }
    return { status: 0, stdout: '', stderr: '' };
  }

  /** del — DEL in reverse order with the final result (or none, as after a lost cache); every plugin runs. */
  del(list: Conflist, t: Target, result?: Record<string, unknown>): CniRun {
    let failed: CniRun | undefined;
    for (const p of [...list.plugins].reverse()) {
      const r = this.exec(p.type, this.envFor('DEL', t), this.requestConfig(list, p, result ? { prevResult: result } : {}, t));
      if (r.status !== 0) failed ??= r;
    }
    return failed ?? { status: 0, stdout: '', stderr: '' };
  }

  /** gc — GC of each plugin with the attachments the runtime still has (libcni sends both key spellings). */
  gc(list: Conflist, valid: Array<{ containerID: string; ifname: string }>): CniRun {
    for (const p of list.plugins) {
      const r = this.exec(p.type, this.envFor('GC'), this.requestConfig(list, p, { 'cni.dev/valid-attachments': valid, 'cni.dev/attachments': valid }));
      if (r.status !== 0) return r;
    }
    return { status: 0, stdout: '', stderr: '' };
  }

  status(list: Conflist): CniRun {
    const p = list.plugins[0]!;
    return this.exec(p.type, this.envFor('STATUS'), this.requestConfig(list, p, {}));
  }
}

function withJson(r: CniRun): CniRun {
  try { r.json = JSON.parse(r.stdout) as Record<string, unknown>; } catch { /* empty or not JSON */ }
  return r;
}

/** cniOk — asserts-by-throwing that a call succeeded, with what it said. */
export function cniOk(r: CniRun, what = 'CNI call'): CniRun {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r;
}
