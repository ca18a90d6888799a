/**
 * container-info-commands — `tsnet exec|logs|top` on containers, and the container half of
 * `tsnet inspect` (containerInspect, called by state-commands when the name is a container).
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { installInterruptHandlers } from '../core/interrupt.js';
import type { EngineContext } from '../engine/context.js';
import { withGlobals } from './globals.js';
import { load } from './load.js';
import { printError, printResult, setExitStatus, table, type GlobalOpts } from './output.js';
import { containerJson, imageJson } from './json-shapes.js';
import type { ContainerJson } from './json-schema.js';
import { requireOwnProcess } from '../core/command-scope.js';
import { withContext } from './with-context.js';
import type { ContainerProcessJson } from './json-schema.js';

const many = (v: string, prev: string[]): string[] => [...prev, v];

interface ExecOpts extends GlobalOpts { interactive?: boolean; tty?: boolean; env: string[]; user?: string; workdir?: string; privileged?: boolean }

/** containerInspect — Docker's inspect output (an array) when `name` is a container of the root, else undefined. */
export async function containerInspect(ctx: EngineContext, names: string[]): Promise<ContainerJson[] | undefined> {
  const found = names.map((n) => ctx.containers.find(n));
  if (found.some((c) => c === undefined)) return undefined;
  const out: ContainerJson[] = [];
  for (const c of found) out.push(containerJson(load.containerView().containerView(ctx, await load.reconcile().reconcile(ctx, c!))));
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
      printResult(opts, ps.map((p): ContainerProcessJson => ({ uid: p.uid, pid: p.pid, ppid: p.ppid, time: p.time, cmd: p.cmd })), table(['UID', 'PID', 'PPID', 'TIME', 'CMD'], ps.map((p) => [String(p.uid), String(p.pid), String(p.ppid), p.time, p.cmd])));
    });

  withGlobals(program.command('export'))
    .description('write a container\'s filesystem as a tar (to stdout, or -o FILE)')
    .argument('<container>', 'name or id')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExample:\n  tsnet export web > web.tar')
    .action(async (name: string, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { output?: string }>();
      if (!opts.output && process.stdout.isTTY) throw invalid('refusing to write a tar to a terminal: redirect stdout or give -o FILE');
      await withContext(opts, async (ctx) => {
        const out = opts.output ? fs.createWriteStream(opts.output, { mode: 0o600 }) : process.stdout;
        await load.containerExport().exportContainer(ctx, name, out);
      });
    });

  withGlobals(program.command('commit'))
    .description('make an image of a container\'s changes')
    .argument('<container>', 'name or id')
    .argument('[repository[:tag]]', 'name for the new image')
    .option('-m, --message <text>', 'commit message')
    .option('-a, --author <name>', 'author')
    .addHelpText('after', '\nExample:\n  tsnet commit web myweb:v2')
    .action(async (name: string, ref: string | undefined, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { message?: string; author?: string }>();
      const img = await withContext(opts, (ctx) => load.containerExport().commitContainer(ctx, name, { reference: ref, message: opts.message, author: opts.author }));
      printResult(opts, imageJson(img), img.id);
    });

  withGlobals(program.command('cp'))
    .description('copy files between a container and the host (CONTAINER:PATH on one side; - for a tar on stdin/stdout)')
    .argument('<src>', 'CONTAINER:PATH, a host path, or -')
    .argument('<dest>', 'CONTAINER:PATH, a host path, or -')
    .addHelpText('after', '\nExamples:\n  tsnet cp web:/etc/hosts ./hosts\n  tsnet cp ./site web:/www')
    .action(async (src: string, dest: string, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const ref = (t: string): { container: string; path: string } | undefined => {
        const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(.*)$/.exec(t);
        return m && !t.startsWith('/') && !t.startsWith('.') ? { container: m[1]!, path: m[2]!.startsWith('/') ? m[2]! : `/${m[2]}` } : undefined;
      };
      const from = ref(src);
      const to = ref(dest);
      if (!!from === !!to) throw invalid('give exactly one of the two as CONTAINER:PATH');
      const { copyFromContainer, copyToContainer } = load.containerCp();
      await withContext(opts, async (ctx) => {
        if (from) {
          const r = await copyFromContainer(ctx, from.container, from.path, dest === '-' ? process.stdout : dest);
          if (r.skipped.length > 0) process.stderr.write(`tsnet: warning: left out ${r.skipped.length} file(s) named like whiteouts (.wh.*), e.g. ${r.skipped[0]}\n`);
        } else {
          await copyToContainer(ctx, src === '-' ? process.stdin : src, to!.container, to!.path);
        }
      });
    });
}

