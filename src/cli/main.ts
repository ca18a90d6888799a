/**
 * main — the tsnet command line. Parses argv with commander, builds an EngineContext per
 * invocation, calls the engine and renders. Command groups live in their own files and
 * are loaded only when their command runs, to keep start-up lean.
 */
import { Command, CommanderError } from 'commander';
import { printError } from './output.js';
import { OwnProcessRequired, runInScope, type CommandScope } from '../core/command-scope.js';
import { ignoreClosedOutput, isDebug } from '../core/log.js';
import { interruptStatus } from '../core/interrupt.js';
import { GLOBALS_LINE, withGlobals } from './globals.js';
import { EXAMPLES as COMMAND_EXAMPLES, examplesText } from './examples.js';
import { commandTree } from './command-tree.js';
import { completionScript } from './completion.js';
import { TsnetError, EXIT_CODES } from '../core/errors.js';
import { registerAttachCommands } from './attach-commands.js';
import { registerStateCommands } from './state-commands.js';
import { registerNetworkCommands } from './network-commands.js';
import { registerPortCommands } from './port-commands.js';
import { registerDhcpCommands } from './dhcp-commands.js';
import { registerImageCommands } from './image-commands.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerLabCommands } from './lab-commands.js';
import { registerContainerCommands } from './container-commands.js';
import { registerContainerInfoCommands } from './container-info-commands.js';
import { registerDaemonCommands } from './daemon-commands.js';

const EXAMPLES = `
Examples:
  tsnet attach br0 web 192.168.115.10/24@192.168.115.2
      veth into bridge br0 (created if missing), address and default gateway
  tsnet attach -i eth2 eth0 pid:4242 10.0.5.7/24 U:web-1
      macvlan on eth0, the MAC pipework derives from "web-1"
  tsnet attach br0 /proc/4242/ns/net 0/0     L2 only, no address
  tsnet detach web                           undo every attachment of "web"
  tsnet route web add 10.9.0.0/16 via 192.168.115.2
  tsnet network create lab --subnet auto     a Docker-style network
  tsnet run -d --name web --net lab -p 8080:80 busybox httpd -f
  tsnet port web                             its published ports
  tsnet ls --json                            what tsnet attached, as JSON
  tsnet gc                                   clean up after crashed guests
  tsnet completion bash > /etc/bash_completion.d/tsnet`;

export function buildProgram(): Command {
  const program = new Command('tsnet')
    .description('container network fabric: attach anything to anything (pipework++)')
    .version('0.1.0')
    .enablePositionalOptions()
    // Usage errors are printed by run() as one line (or JSON), like every other error.
    .configureOutput({ outputError: () => undefined })
    // Commands listed by name only, descriptions wrapped to the terminal (80 columns when piped).
    .configureHelp({ minWidthToWrap: 20, subcommandTerm: (cmd) => cmd.name() })
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  withGlobals(program);
  program.hook('preAction', (_p, action) => {
    const path = commandPathOf(action);
    if (process.getuid?.() !== 0 && !WITHOUT_ROOT.has(path)) {
      throw new TsnetError('EPERM', `tsnet ${path} needs root (network namespaces, netlink, firewall, mounts): run it as root, e.g. sudo tsnet ${path} ...`);
    }
  });
  withGlobals(program.command('completion'))
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examplesText(['tsnet completion bash > /etc/bash_completion.d/tsnet', 'source <(tsnet completion zsh)',
      'tsnet completion fish > ~/.config/fish/completions/tsnet.fish']))
    .action((shell: string) => {
      process.stdout.write(completionScript(shell, commandTree(program)));
    });
  program.command('exit-codes', { hidden: true }).description('the exit statuses by class').action(() => {
    process.stdout.write(`${exitCodesText()}\n`);
  });
  registerAttachCommands(program);
  registerStateCommands(program);
  registerNetworkCommands(program);
  registerPortCommands(program);
  registerDhcpCommands(program);
  registerImageCommands(program);
  registerRegistryCommands(program);
  registerLabCommands(program);
  registerContainerCommands(program);
  registerContainerInfoCommands(program);
  registerDaemonCommands(program);
  for (const cmd of allCommands(program)) {
    if (cmd === program) continue;
    const examples = COMMAND_EXAMPLES[commandPathOf(cmd)];
    if (examples) cmd.addHelpText('after', examplesText(examples));
    cmd.addHelpText('after', GLOBALS_LINE);
  }
  program.addHelpText('after', `\nExit status:\n${exitCodesText()}`);
  return program;
}

/** The commands that touch neither the kernel nor a state root, and so run as any user. */
const WITHOUT_ROOT = new Set(['completion', 'exit-codes', 'lab schema']);

/** allCommands — the program and every command under it, depth first. */
export function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** commandPathOf — "network create" for that command. */
export function commandPathOf(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

export function exitCodesText(): string {
  return EXIT_CODES.map(([n, codes, what]) => `  ${String(n).padStart(3)}  ${what}${codes ? ` (${codes})` : ''}`).join('\n');
}

/**
 * userArgv — `tsnet help network create` is `tsnet network create --help` (commander's own
 * help command takes one word); `tsnet help exit-codes` lists the exit statuses.
 */
function userArgv(argv: string[]): string[] {
  if (argv[0] !== 'help' || argv.length < 2) return argv;
  if (argv[1] === 'exit-codes') return ['exit-codes'];
  return [...argv.slice(1), '--help'];
}

/** commandPath — the command words at the head of argv that name a (sub)command. */
function commandPath(program: Command, argv: string[]): string {
  const words: string[] = [];
  let cmd = program;
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    words.push(sub.name());
    cmd = sub;
  }
  return ['tsnet', ...words].join(' ');
}

/**
 * run — one command, start to finish, in its own scope (core/command-scope.ts): parses,
 * runs, prints, and returns the exit status. Touches nothing process-wide, so the daemon
 * runs it for many clients at once.
 */
export async function run(argv: string[], scope: CommandScope = { debug: isDebug() }): Promise<number> {
  return runInScope(scope, async () => {
    argv = userArgv(argv);
    const json = argv.slice(0, argv.indexOf('--') < 0 ? undefined : argv.indexOf('--')).includes('--json');
    // Commander resets a program's parse state before each parse, so a long-lived process
    // reuses built programs (building one costs about a millisecond); one per running command.
    const program = idlePrograms.pop() ?? buildProgram();
    try {
      // `tsnet --` (globals allowed before it): commander would print the whole help as for a
      // bare `tsnet`; a `--` that ends the options before any command is a usage error.
      if (argv.indexOf('--') === argv.length - 1 && commandPath(program, argv.slice(0, -1)) === 'tsnet') {
        return printError(new TsnetError('EUSAGE', "'--' ends the options, but no command follows it (see tsnet --help)"), json);
      }
      await program.parseAsync(argv, { from: 'user' });
      // A command may set its own status (gc's errors, run's container exit code): setExitStatus.
      return scope.exitStatus ?? 0;
    } catch (err) {
      if (err instanceof CommanderError) {
        // help/version are "errors" to exitOverride; real usage errors are bad input (2).
        if (err.exitCode === 0) return 0;
        if (err.code === 'commander.help') return 2; // a command group without its subcommand: its help went to stderr
        const what = err.message.replace(/^error: /, '').replace(/\.$/, '');
        return printError(new TsnetError('EUSAGE', `${what} (see ${commandPath(program, argv)} --help)`), json);
      }
      if (err instanceof OwnProcessRequired) throw err; // the daemon hands the command back to its client
      const status = printError(err, json);
      return interruptStatus() ?? status; // 128+signal, as a shell reports a command a signal stopped
    } finally {
      idlePrograms.push(program);
    }
  });
}

const idlePrograms: Command[] = [];

/** main — a CLI process: one command on the process's own stdio. */
export async function main(argv: string[]): Promise<number> {
  // `tsnet ls | head -1` closes our output early: that must neither kill a command halfway
  // (nothing would be rolled back) nor print a stack trace.
  ignoreClosedOutput();
  return run(argv);
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

export { warmUp } from './warm-up.js';
