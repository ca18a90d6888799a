/**
 * exec — `tsnet exec`: a process in a running container, through tsnet-init's exec mode
 * (it joins the container's cgroups and namespaces and applies the container's identity
 * rules: its capabilities, no_new_privs, env, user and working directory unless overridden).
 * Runs in the foreground: the process shares tsnet's stdio (or a new terminal with -t).
 */
import type { EngineContext } from '../engine/context.js';
import { TsnetError, invalid } from '../core/errors.js';
import { capNumber } from './caps.js';
import { containerDirs } from './cgroups.js';
import { storedConfig } from './create.js';
import { Helper } from './helper.js';
import { execEntries } from './helper-config.js';
import { reconcile, requireContainer } from './reconcile.js';
import { mergeEnv } from './spec-parse.js';
import { containerPath } from './spec.js';
import * as fs from 'node:fs';

export interface ExecSpec {
  cmd: string[];
  env?: string[] | undefined;
  user?: string | undefined;
  workdir?: string | undefined;
  tty?: boolean | undefined;
  interactive?: boolean | undefined;
  privileged?: boolean | undefined;
}

/** startExec — the helper running the process (wait for its "exit" report); the exec'd pid. */
export async function startExec(ctx: EngineContext, text: string, spec: ExecSpec): Promise<{ helper: Helper; pid: number }> {
  if (spec.cmd.length === 0) throw invalid('exec needs a command');
  if (spec.workdir !== undefined) containerPath(spec.workdir, 'working directory (-w)');
  const c = await reconcile(ctx, requireContainer(ctx, text));
  if (c.state !== 'running') throw new TsnetError('ECONFLICT', `container ${c.name} is not running`);
  const cfg = storedConfig(c);
  const privileged = spec.privileged ?? cfg.spec.privileged ?? false;
  const helper = new Helper(execEntries({
    args: spec.cmd,
    env: mergeEnv(cfg.process.env, spec.env ?? []),
    workdir: spec.workdir ?? cfg.process.workdir,
    user: spec.user ?? cfg.process.user,
    caps: privileged || cfg.caps === 'ALL' ? 'all' : cfg.caps.map(capNumber),
    noNewPrivs: !privileged,
    tty: spec.tty ?? false,
    interactive: spec.interactive ?? false,
    cgroups: containerDirs(ctx.rootId, c.id).filter((d) => fs.existsSync(d)),
    target: c.pid!,
  }), { foreground: true, stdin: spec.interactive ?? false });
  const started = await helper.next('started');
  return { helper, pid: started.pid! };
}
