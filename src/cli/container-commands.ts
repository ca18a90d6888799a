/**
 * container-commands — `tsnet run|create|start|stop|kill|restart|rm|ps|wait`: Docker's
 * container lifecycle over the runtime engine. A foreground run shares tsnet's terminal
 * with the container (the helper copies nothing through Node), forwards signals to it and
 * exits with its status; a start failure is one line and the exit status Docker uses
 * (125 runtime, 126 cannot invoke, 127 not found).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { installInterruptHandlers, takeInterrupt } from '../core/interrupt.js';
import type { EngineContext } from '../engine/context.js';
import type { StartResult } from '../runtime/start.js';
import type { ContainerView } from '../runtime/view.js';
import { withGlobals } from './globals.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import { load } from './load.js';
import { printError, printResult, printWarnings, setExitStatus, table, type GlobalOpts } from './output.js';
import { containerJson } from './json-shapes.js';
import { forEachArgument } from './multi.js';
import type { ContainerExitJson, ContainerRefJson, ContainerResultJson } from './json-schema.js';
import { currentScope, requireOwnProcess } from '../core/command-scope.js';
import { specFromOptions, withRunOptions, type RunOpts } from './run-options.js';
import { withContext } from './with-context.js';
import { ago } from './image-format.js';

/** startStatus — a helper's own failure exits like Docker's (125/126/127), anything else by class. */
function failStatus(e: unknown, json: boolean): number {
  const code = printError(e, json);
  const exit = (e as { exit?: unknown }).exit;
  return typeof exit === 'number' ? exit : code;
}

/**
 * attachAndWait — the foreground half of run/start -a: signals to tsnet go to the container
 * (Docker's sig-proxy), the shim reports its exit, then the exit is recorded (and --rm
 * honoured). In a daemon the container's output comes through pipes to the client's
 * streams, and the client's Ctrl-C arrives as the scope's `interrupted`. The status.
 */
async function attachAndWait(ctx: EngineContext, r: StartResult): Promise<number> {
  const pid = r.container.pid!;
  const forward = (sig: string): void => { try { process.kill(pid, sig); } catch { /* gone */ } };
  const helper = r.helper!;
  const scope = currentScope();
  let code: number;
  if (scope?.io) {
    const out = process.stdout;
    const err = process.stderr;
    const drained = Promise.all([
      new Promise<void>((resolve) => helper.child.stdout!.on('end', resolve).pipe(out, { end: false })),
      new Promise<void>((resolve) => helper.child.stderr!.on('end', resolve).pipe(err, { end: false })),
    ]);
    let sent: string | undefined;
    const watch = setInterval(() => { if (scope.interrupted && scope.interrupted !== sent) forward((sent = scope.interrupted)); }, 50);
    try {
      code = (await helper.next('exit')).exitCode ?? 0;
      await drained;
    } finally {
      clearInterval(watch);
    }
  } else {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
    // While attached, Ctrl-C and friends are the container's, not an interrupt of this
    // command: withContext's handlers step aside until the container exits.
    installInterruptHandlers()();
    for (const s of signals) process.on(s, forward);
    // A signal during the last start step (the container already exec'd) was only noted: it is the container's.
    const early = takeInterrupt();
    if (early) forward(early);
    try {
      code = (await helper.next('exit')).exitCode ?? 0;
    } finally {
      for (const s of signals) process.off(s, forward);
      installInterruptHandlers();
    }
  }
  const now = ctx.containers.byId(r.container.id);
  if (now) await load.reconcile().finalize(ctx, now);
  return code;
}

/**
 * eachContainer — fn on every named container, printing each one's name as Docker does; one
 * that fails does not stop the rest (multi.ts). fn returns the container's id. --json: an
 * array of containerResult.
 */
function eachContainer(opts: GlobalOpts, names: string[], fn: (ctx: EngineContext, name: string) => Promise<string | null>): Promise<void> {
  return withContext(opts, async (ctx) => {
    await forEachArgument(opts, names, (n) => fn(ctx, n), (n) => n,
      (name, id, e): ContainerResultJson => ({ name, id: id ?? null, error: e?.error ?? null, code: e?.code ?? null }));
  });
}

/** idOf — the id of the container NAME names, looked up before an operation that may remove it. */
function idOf(ctx: EngineContext, name: string): string | null {
  return ctx.containers.find(name)?.id ?? null;
}

function statusText(v: ContainerView): string {
  if (v.state === 'running') return `Up ${ago(v.startedAt).replace(/ ago$/, '')}`;
  if (v.state === 'exited') return `Exited (${v.exitCode ?? '?'}) ${ago(v.finishedAt)}`;
  return v.state[0]!.toUpperCase() + v.state.slice(1);
}

function commandText(args: string[]): string {
  const t = `"${args.join(' ')}"`;
  return t.length > 22 ? `${t.slice(0, 20)}…"` : t;
}

export function registerContainerCommands(program: Command): void {
  withRunOptions(withGlobals(program.command('run')))
    .description('create and start a container from an image')
    .argument('<image>', 'image name or id (tsnet images)')
    .argument('[command...]', 'command and arguments (default: the image\'s)')
    .option('-d, --detach', 'run in the background and print the container id')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  tsnet run --rm busybox echo hello\n  tsnet run -d --name web -p 8080:80 busybox httpd -f -p 80\n  tsnet run -it --rm busybox sh')
    .action(async (image: string, command: string[], _o: RunOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOpts>();
      // A daemon can serve a foreground run through pipes; a terminal or stdin needs the caller's own process.
      const piped = currentScope()?.io !== undefined;
      if (!opts.detach && (opts.tty || opts.interactive)) requireOwnProcess('a foreground container with -t or -i shares the terminal of the process that runs it');
      const spec = specFromOptions(image, command, opts);
      setExitStatus(await withContext(opts, async (ctx) => {
        const { createContainer } = load.createContainer();
        const { startContainer } = load.startContainer();
        const c = await createContainer(ctx, spec);
        let r: StartResult;
        try {
          r = await startContainer(ctx, c.id, opts.detach ? {} : { foreground: { stdin: opts.interactive ?? false, pipe: piped } });
        } catch (e) {
          // A container that never ran leaves nothing behind.
          await load.lifecycle().removeContainer(ctx, c.id, { force: true }).catch(() => undefined);
          return failStatus(e, opts.json ?? false);
        }
        printWarnings(r.warnings);
        if (opts.detach) {
          printResult(opts, { id: c.id, name: c.name } satisfies ContainerRefJson, c.id);
          return 0;
        }
        return attachAndWait(ctx, r);
      }));
    });

  withRunOptions(withGlobals(program.command('create')))
    .description('create a container (tsnet start runs it)')
    .argument('<image>', 'image name or id')
    .argument('[command...]', 'command and arguments (default: the image\'s)')
    .passThroughOptions()
    .addHelpText('after', '\nExample:\n  tsnet create --name web -p 8080:80 busybox httpd -f -p 80')
    .action(async (image: string, command: string[], _o: RunOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOpts>();
      const spec = specFromOptions(image, command, opts);
      const c = await withContext(opts, (ctx) => load.createContainer().createContainer(ctx, spec));
      printResult(opts, { id: c.id, name: c.name } satisfies ContainerRefJson, c.id);
    });

  withGlobals(program.command('start'))
    .description('start stopped containers')
    .argument('<container...>', 'names or ids')
    .option('-a, --attach', 'attach to its output and wait for it (one container)')
    .option('-i, --interactive', 'with -a: attach stdin too')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { attach?: boolean; interactive?: boolean }>();
      if (opts.attach && opts.interactive) requireOwnProcess('an attached container with -i reads the caller\'s own stdin');
      setExitStatus(await withContext(opts, async (ctx) => {
        const { startContainer } = load.startContainer();
        if (opts.attach) {
          if (names.length !== 1) throw invalid('start -a takes one container');
          let r: StartResult;
          try { r = await startContainer(ctx, names[0]!, { foreground: { stdin: opts.interactive ?? false, pipe: currentScope()?.io !== undefined } }); } catch (e) { return failStatus(e, opts.json ?? false); }
          if (r.alreadyRunning) { printResult(opts, [{ name: names[0]!, id: r.container.id, error: null, code: null }] satisfies ContainerResultJson[], r.container.name); return 0; }
          return attachAndWait(ctx, r);
        }
        return forEachArgument(opts, names, async (n) => {
          const r = await startContainer(ctx, n);
          printWarnings(r.warnings);
          return r.container.id;
        }, (n) => n, (name, id, e): ContainerResultJson => ({ name, id: id ?? null, error: e?.error ?? null, code: e?.code ?? null }));
      }));
    });

  withGlobals(program.command('stop'))
    .description('stop running containers: SIGTERM, then SIGKILL after the timeout')
    .argument('<container...>', 'names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL', '10')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { time: string }>();
      await eachContainer(opts, names, async (ctx, n) => { const id = idOf(ctx, n); await load.lifecycle().stopContainer(ctx, n, Number(opts.time)); return id; });
    });

  withGlobals(program.command('kill'))
    .description('send a signal to running containers (default KILL)')
    .argument('<container...>', 'names or ids')
    .option('-s, --signal <sig>', 'signal name or number', 'KILL')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { signal: string }>();
      await eachContainer(opts, names, async (ctx, n) => { const id = idOf(ctx, n); await load.lifecycle().killContainer(ctx, n, opts.signal); return id; });
    });

  withGlobals(program.command('restart'))
    .description('stop and start containers')
    .argument('<container...>', 'names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL', '10')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { time: string }>();
      await eachContainer(opts, names, async (ctx, n) => {
        const id = idOf(ctx, n);
        printWarnings((await load.lifecycle().restartContainer(ctx, n, Number(opts.time))).warnings);
        return id;
      });
    });

  withGlobals(program.command('rm'))
    .description('remove containers (their rootfs, logs and everything they held)')
    .argument('<container...>', 'names or ids')
    .option('-f, --force', 'kill a running container first')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { force?: boolean }>();
      await eachContainer(opts, names, async (ctx, n) => {
        const r = await load.lifecycle().removeContainer(ctx, n, { force: opts.force });
        printWarnings(r.warnings);
        return r.container.id;
      });
    });

  withListingOptions(withGlobals(program.command('ps')), { quiet: 'only container ids (short)' })
    .description('list containers (running ones; -a: all)')
    .option('-a, --all', 'show stopped and created containers too')
    .action(async (_o: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts & { all?: boolean }>();
      checkListing(opts, LISTING_FIELDS.container);
      const views = await withContext(opts, async (ctx) => {
        const { reconcile } = load.reconcile();
        const { containerView } = load.containerView();
        const out: ContainerView[] = [];
        for (const c of ctx.containers.all()) {
          const now = await reconcile(ctx, c);
          if (!ctx.containers.byId(now.id)) continue; // --rm took it
          if (opts.all || now.state === 'running') out.push(containerView(ctx, now));
        }
        return out;
      });
      const { portsText } = load.containerView();
      printListing(opts, views.map(containerJson), () => table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
        views.map((v) => [v.id.slice(0, 12), v.image, commandText(v.command), ago(v.createdAt), statusText(v), portsText(v), v.name])),
      { quiet: (v) => v.id.slice(0, 12), quietJson: (v) => v.id, fields: LISTING_FIELDS.container });
    });

  withGlobals(program.command('wait'))
    .description('wait until containers exit; print their exit codes')
    .argument('<container...>', 'names or ids')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const exits: ContainerExitJson[] = [];
      await withContext(opts, async (ctx) => {
        for (const n of names) {
          const code = await load.lifecycle().waitContainer(ctx, n);
          exits.push({ name: n, exitCode: code });
          if (!opts.json) process.stdout.write(`${code}\n`);
        }
      });
      if (opts.json) printResult(opts, exits, []);
    });

  // Run by a container's shim when it exits with no tsnet attached: record the exit, free the network.
  program.command('container-exited', { hidden: true })
    .argument('<id>')
    .option('--root <dir>')
    .action(async (id: string, o: GlobalOpts) => {
      // The root may be gone (removed after `rm -f` returned): an exit hook never makes a new one.
      if (!existsSync(join(load.db().resolveRoot(o.root), 'state.db'))) return;
      await withContext(o, async (ctx) => {
        const c = ctx.containers.byId(id);
        if (c) await load.reconcile().reconcile(ctx, c);
      });
    });
}
