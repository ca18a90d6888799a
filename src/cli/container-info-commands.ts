/**
 * container-info-commands — `tsnet exec|logs|top` on containers, and the container half of
 * `tsnet inspect` (containerInspect, called by state-commands when the name is a container).
 */
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { installInterruptHandlers } from '../core/interrupt.js';
import type { EngineContext } from '../engine/context.js';
import { withGlobals } from './globals.js';
import { load } from './load.js';
import { printError, printResult, setExitStatus, table, type GlobalOpts } from './output.js';
import { requireOwnProcess } from '../core/command-scope.js';
import { withContext } from './with-context.js';

const many = (v: string, prev: string[]): string[] => [...prev, v];

interface ExecOpts extends GlobalOpts { interactive?: boolean; tty?: boolean; env: string[]; user?: string; workdir?: string; privileged?: boolean }

/** containerInspect — Docker's inspect output (an array) when `name` is a container of the root, else undefined. */
export async function containerInspect(ctx: EngineContext, names: string[]): Promise<unknown[] | undefined> {
  const found = names.map((n) => ctx.containers.find(n));
  if (found.some((c) => c === undefined)) return undefined;
  const out: unknown[] = [];
  for (const c of found) out.push(load.containerView().containerView(ctx, await load.reconcile().reconcile(ctx, c!)));
  return out;
}

export function registerContainerInfoCommands(program: Command): void {
  withGlobals(program.command('exec'))
    .description('run a command in a running container')
    .argument('<container>', 'name or id')
    .argument('<command...>', 'command and arguments')
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a terminal')
    .option('-e, --env <K=V>', 'set an environment variable', many, [])
    .option('-u, --user <user[:group]>', 'user to run as (default: the container\'s)')
    .option('-w, --workdir <dir>', 'working directory (default: the container\'s)')
    .option('--privileged', 'all capabilities for this process')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  tsnet exec web cat /etc/hosts\n  tsnet exec -it web sh')
    .action(async (name: string, command: string[], _o: ExecOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ExecOpts>();
      requireOwnProcess('exec shares the terminal of the process that runs it');
      const env = load.runtimeSpecParse().parseEnvLines(opts.env, (k) => process.env[k]);
      setExitStatus(await withContext(opts, async (ctx) => {
        let started;
        try {
          started = await load.containerExec().startExec(ctx, name, {
            cmd: command, env, user: opts.user, workdir: opts.workdir, tty: opts.tty, interactive: opts.interactive, privileged: opts.privileged,
          });
        } catch (e) {
          const code = printError(e, opts.json ?? false);
          const exit = (e as { exit?: unknown }).exit;
          return typeof exit === 'number' ? exit : code;
        }
        // The process's own signals, as with an attached run (Docker's exec forwards them).
        installInterruptHandlers()();
        const forward = (sig: NodeJS.Signals): void => { try { process.kill(started.pid, sig); } catch { /* gone */ } };
        const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
        for (const s of signals) process.on(s, forward);
        try {
          return (await started.helper.next('exit')).exitCode ?? 0;
        } finally {
          for (const s of signals) process.off(s, forward);
        }
      }));
    });

  withGlobals(program.command('logs'))
    .description('show a container\'s output')
    .argument('<container>', 'name or id')
    .option('-f, --follow', 'keep printing new output until the container stops')
    .option('-n, --tail <n>', 'only the last N lines ("all" for everything)', 'all')
    .option('-t, --timestamps', 'prefix each line with its time')
    .addHelpText('after', '\nExamples:\n  tsnet logs web\n  tsnet logs -f --tail 10 web')
    .action(async (name: string, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { follow?: boolean; tail: string; timestamps?: boolean }>();
      if (opts.tail !== 'all' && !/^\d+$/.test(opts.tail)) throw invalid(`--tail "${opts.tail}" must be a number of lines or "all"`);
      const tail = opts.tail === 'all' ? undefined : Number(opts.tail);
      await withContext(opts, (ctx) => load.containerLogs().readLogs(ctx, name, { tail, follow: opts.follow }, (e) => {
        if (opts.json) { process.stdout.write(`${JSON.stringify(e)}\n`); return; }
        const text = opts.timestamps ? `${e.time} ${e.log}` : e.log;
        (e.stream === 'stderr' ? process.stderr : process.stdout).write(text);
      }));
    });

  withGlobals(program.command('top'))
    .description('list the processes of a running container')
    .argument('<container>', 'name or id')
    .action(async (name: string, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const ps = await withContext(opts, (ctx) => load.containerTop().topContainer(ctx, name));
      printResult(opts, ps, table(['UID', 'PID', 'PPID', 'TIME', 'CMD'], ps.map((p) => [String(p.uid), String(p.pid), String(p.ppid), p.time, p.cmd])));
    });
}
