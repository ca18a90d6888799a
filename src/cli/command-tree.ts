/**
 * command-tree — the commander program as plain data (commands, their options and help
 * texts), the one source the shell completions and the man page are generated from, so
 * neither can drift from the commands themselves.
 * @pure
 */
import type { Command, Option } from 'commander';

export interface OptionSpec {
  /** "-i, --interactive" / "--root <dir>" as declared. */
  flags: string;
  long?: string | undefined;
  short?: string | undefined;
  description: string;
  takesValue: boolean;
  choices?: readonly string[] | undefined;
  hidden: boolean;
}

export interface CommandSpec {
  /** "" for the program, "network create" for that command. */
  path: string;
  name: string;
  usage: string;
  description: string;
  options: OptionSpec[];
  /** The text after the option list: arguments explained, examples, the global-options line. */
  after: string;
  hidden: boolean;
  commands: CommandSpec[];
}

export function commandTree(cmd: Command, parentPath = ''): CommandSpec {
  const path = cmd.parent ? [parentPath, cmd.name()].filter(Boolean).join(' ') : '';
  return {
    path,
    name: cmd.name(),
    usage: cmd.usage(),
    description: cmd.description(),
    options: cmd.options.map(optionSpec),
    after: afterText(cmd),
    hidden: (cmd as unknown as { _hidden?: boolean })._hidden === true,
    commands: cmd.commands.filter((c) => c.name() !== 'help').map((c) => commandTree(c, path)),
  };
}

function optionSpec(o: Option): OptionSpec {
  return {
    flags: o.flags, long: o.long, short: o.short, description: o.description,
    takesValue: o.required || o.optional, choices: o.argChoices, hidden: o.hidden,
  };
}

/** afterText — what addHelpText('after', ...) added, collected as `--help` would print it. */
function afterText(cmd: Command): string {
  let text = '';
  (cmd as unknown as NodeJS.EventEmitter).emit('afterHelp', { error: false, command: cmd, write: (s: string) => { text += s; } });
  return text.replace(/^\n+/, '').trimEnd();
}

/** visibleCommands — every command a user may type, depth first, the program excluded. */
export function visibleCommands(tree: CommandSpec): CommandSpec[] {
  return tree.commands.filter((c) => !c.hidden).flatMap((c) => [c, ...visibleCommands(c)]);
}
