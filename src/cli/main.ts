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
import { withGlobals } from './globals.js';
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
  tsnet attach br0 web 192.168.115.10/24@192.168.115.2     veth into bridge br0 (created if missing)
  tsnet attach -i eth2 eth0 pid:4242 10.0.5.7/24 U:web-1     macvlan on eth0, stable MAC from "web-1"
  tsnet attach br0 /proc/4242/ns/net 0/0                     L2 only, no address
  tsnet detach web                                           undo every attachment of netns "web"
  tsnet route web add 10.9.0.0/16 via 192.168.115.2          ip route inside the guest
  tsnet ls --json                                            what tsnet attached, as JSON
  tsnet gc                                                   clean up after crashed guests`;

export function buildProgram(): Command {
  const program = new Command('tsnet')
    .description('container network fabric: attach anything to anything (pipework++)')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  withGlobals(program);
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
  return program;
}

/**
 * run — one command, start to finish, in its own scope (core/command-scope.ts): parses,
 * runs, prints, and returns the exit status. Touches nothing process-wide, so the daemon
 * runs it for many clients at once.
 */
export async function run(argv: string[], scope: CommandScope = { debug: isDebug() }): Promise<number> {
  return runInScope(scope, async () => {
    const json = argv.includes('--json');
    // Commander resets a program's parse state before each parse, so a long-lived process
    // reuses built programs (building one costs about a millisecond); one per running command.
    const program = idlePrograms.pop() ?? buildProgram();
    try {
      await program.parseAsync(argv, { from: 'user' });
      // A command may set its own status (gc's errors, run's container exit code): setExitStatus.
      return scope.exitStatus ?? 0;
    } catch (err) {
      if (err instanceof CommanderError) {
        // help/version are "errors" to exitOverride; real usage errors are bad input (2).
        if (err.exitCode === 0) return 0;
        return 2;
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
