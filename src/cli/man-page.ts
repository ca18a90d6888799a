/**
 * man-page — tsnet(1) in roff, generated from the command tree (command-tree.ts) at build
 * time (scripts/man.mjs writes dist/man/tsnet.1). Pure: the same definitions, help texts
 * and examples as `--help`, plus the exit statuses.
 * @pure
 */
import { visibleCommands, type CommandSpec, type OptionSpec } from './command-tree.js';
import { FORMAT_DOC } from './format-template.js';

/** esc — text safe in roff: backslashes doubled, a leading dot or quote defused, dashes literal. */
function esc(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function optionItems(options: OptionSpec[]): string[] {
  return options.filter((o) => !o.hidden).flatMap((o) => ['.TP', `.B ${esc(o.flags)}`, esc(o.description + (o.choices ? ` (${o.choices.join(', ')})` : ''))]);
}

/** preformatted — help text blocks as they are, in a no-fill block, like --help shows them. */
function preformatted(text: string): string[] {
  return text ? ['.PP', '.nf', '.RS 2', ...text.split('\n').map(esc), '.RE', '.fi'] : [];
}

export function manPage(tree: CommandSpec, exitCodes: ReadonlyArray<[number, string, string]>, version: string, date: string): string {
  const out: string[] = [
    `.TH TSNET 1 "${date}" "tsnet ${version}" "User Commands"`,
    '.SH NAME',
    `tsnet \\- ${esc(tree.description)}`,
    '.SH SYNOPSIS',
    '.B tsnet',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    'tsnet attaches network interfaces to containers and network namespaces with the grammar of pipework, runs',
    'Docker\\-style bridge networks, DHCP with lease renewal and multi\\-host labs, and runs containers from',
    'registry images. Global options may stand before or after the command.',
    '.SH GLOBAL OPTIONS',
    ...optionItems(tree.options),
    '.SH COMMANDS',
  ];
  for (const c of visibleCommands(tree)) {
    out.push(`.SS "tsnet ${esc(c.path)} ${esc(c.usage)}"`, esc(c.description), ...optionItems(c.options.filter((o) => !o.flags.startsWith('-h,'))));
    out.push(...preformatted(c.after));
  }
  out.push('.SH FORMATTING', ...FORMAT_DOC.flatMap((p) => ['.PP', esc(p)]));
  out.push('.SH EXAMPLES', ...preformatted(tree.after.replace(/^Examples:\n/, '').replace(/\nExit status:[\s\S]*$/, '')));
  out.push('.SH EXIT STATUS', 'Errors are one line on standard error, "tsnet: error: ...", or {"error","code"} on standard output with \\-\\-json.');
  for (const [n, codes, what] of exitCodes) out.push('.TP', `.B ${n}`, esc(`${what}${codes ? ` (${codes})` : ''}`));
  out.push('.SH ENVIRONMENT', '.TP', '.B TSNET_ROOT', 'state root (default /var/lib/tsnet)', '.TP', '.B NO_COLOR', 'no colour in output');
  out.push('.SH SEE ALSO', 'ip(8), bridge(8), tc(8), nsenter(1)');
  return `${out.join('\n')}\n`;
}
