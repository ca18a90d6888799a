/**
 * completion — shell completion scripts for bash, zsh and fish, generated from the
 * command tree (command-tree.ts). Pure: text in, text out. Completes command and
 * subcommand names, each command's options (the global ones everywhere), the choices of
 * options that have them, and directories after --root.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { visibleCommands, type CommandSpec, type OptionSpec } from './command-tree.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function completionScript(shell: string, tree: CommandSpec): string {
  if (shell === 'bash') return bashScript(tree);
  if (shell === 'zsh') return `#compdef tsnet\n# zsh runs the bash completion through bashcompinit.\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(tree)}`;
  if (shell === 'fish') return fishScript(tree);
  throw invalid(`shell "${shell}" is not one of ${SHELLS.join(', ')}`);
}

const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function optionWords(c: CommandSpec, globals: OptionSpec[]): string[] {
  const own = c.options.filter((o) => !o.hidden || globals.includes(o));
  const words = [...own, ...globals].flatMap((o) => [o.long, o.short]).filter((w): w is string => !!w);
  return [...new Set([...words, '--help'])];
}

function bashScript(tree: CommandSpec): string {
  const globals = tree.options.filter((o) => !o.hidden);
  const all = [tree, ...visibleCommands(tree)];
  const valued = [...new Set(all.flatMap((c) => c.options).filter((o) => o.takesValue).flatMap((o) => [o.long, o.short]).filter((w): w is string => !!w))];
  const choices = all.flatMap((c) => c.options).filter((o) => o.choices && o.long);
  const cases = all.map((c) => `    ${shellWord(c.path)}) subs=${shellWord(c.commands.filter((s) => !s.hidden).map((s) => s.name).join(' '))}; opts=${shellWord(optionWords(c, globals).join(' '))} ;;`);
  return `# bash completion for tsnet (generated from its command definitions: tsnet completion bash)
_tsnet_is_command() {
  case "$1" in
${all.filter((c) => c.path).map((c) => `    ${shellWord(c.path)}) return 0 ;;`).join('\n')}
  esac
  return 1
}
_tsnet_takes_value() {
  case "$1" in
    ${valued.map(shellWord).join('|')}) return 0 ;;
  esac
  return 1
}
_tsnet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" w i subs opts
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ $w == -* ]]; then
      _tsnet_takes_value "$w" && ((i++))
      continue
    fi
    if _tsnet_is_command "\${path:+$path }$w"; then path="\${path:+$path }$w"; else break; fi
  done
  case "$prev" in
${choices.map((o) => `    ${shellWord(o.long!)}) COMPREPLY=($(compgen -W ${shellWord(o.choices!.join(' '))} -- "$cur")); return ;;`).join('\n')}
    --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  case "$path" in
${cases.join('\n')}
    *) subs=''; opts='--help' ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
}
complete -F _tsnet tsnet
`;
}

/**
 * fishScript — fish's completions, each under the condition that the command path typed so
 * far is exactly its command's (`__tsnet_at 'network create'`): fish's own
 * __fish_seen_subcommand_from matches a word anywhere, so `image ls` would get `network ls`'s
 * options and a finished path would be offered its subcommands again. Option values are
 * skipped as the bash script skips them.
 */
function fishScript(tree: CommandSpec): string {
  const globals = tree.options.filter((o) => !o.hidden);
  const all = [tree, ...visibleCommands(tree)];
  const valued = [...new Set(all.flatMap((c) => c.options).filter((o) => o.takesValue).flatMap((o) => [o.long, o.short]).filter((w): w is string => !!w))];
  const desc = (s: string): string => shellWord(s.split('\n')[0]!.slice(0, 80));
  const option = (o: OptionSpec): string => `${o.long ? ` -l ${o.long.slice(2)}` : ''}${o.short ? ` -s ${o.short.slice(1)}` : ''}`
    // -x: a value from the list only (no file names); -r: any value, files offered.
    + `${o.choices ? ` -x -a ${shellWord(o.choices.join(' '))}` : o.takesValue ? ' -r' : ''}${o.long === '--root' ? ' -a \'(__fish_complete_directories)\'' : ''} -d ${desc(o.description)}`;
  const lines = [
    '# fish completion for tsnet (generated from its command definitions: tsnet completion fish)',
    'function __tsnet_path --description \'the tsnet command path typed so far\'',
    '    set -l path \'\'',
    '    set -l skip 0',
    '    for w in (commandline -opc)[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $w',
    `            case ${valued.map(shellWord).join(' ')}`,
    '                set skip 1',
    '                continue',
    '            case \'-*\'',
    '                continue',
    '        end',
    '        set -l next (string trim -- "$path $w")',
    `        contains -- $next ${all.filter((c) => c.path).map((c) => shellWord(c.path)).join(' ')}; or break`,
    '        set path $next',
    '    end',
    '    echo $path',
    'end',
    'function __tsnet_at --description \'whether the command path typed so far is $argv[1]\'',
    '    set -l path (__tsnet_path)',
    '    test "$path" = "$argv[1]"',
    'end',
    'complete -c tsnet -f',
  ];
  // The global options (and --help), anywhere on the line.
  for (const o of globals) lines.push(`complete -c tsnet${option(o)}`);
  lines.push("complete -c tsnet -l help -d 'show help'");
  for (const c of all) {
    const cond = `-n ${shellWord(`__tsnet_at "${c.path}"`)}`;
    for (const s of c.commands.filter((x) => !x.hidden)) lines.push(`complete -c tsnet ${cond} -a ${s.name} -d ${desc(s.description)}`);
    if (!c.path) continue;
    for (const o of c.options.filter((x) => !x.hidden && (x.long || x.short) && !globals.includes(x))) lines.push(`complete -c tsnet ${cond}${option(o)}`);
  }
  return `${lines.join('\n')}\n`;
}
