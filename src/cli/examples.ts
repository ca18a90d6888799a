/**
 * examples — the help examples of the commands whose own file gives none (groups and
 * container verbs), keyed by command path; buildProgram adds them, and a test checks that
 * every visible command's help shows at least one example.
 */
export const EXAMPLES: Readonly<Record<string, string[]>> = {
  network: ['tsnet network create lab --subnet auto', 'tsnet network ls', 'tsnet network rm lab', 'tsnet network prune -f'],
  dhcp: ['tsnet dhcp status', 'tsnet dhcp status -n 50 --json', 'tsnet dhcp leases -q', 'tsnet dhcp unit > /etc/systemd/system/tsnet-dhcp-keeper@.service'],
  'lab schema': ['tsnet lab schema > lab.schema.json'],
  'lab ls': ['tsnet lab ls --json', 'tsnet lab ls -q'],
  start: ['tsnet start web', 'tsnet start -a web          # attach to its output'],
  stop: ['tsnet stop web', 'tsnet stop -t 2 web db'],
  kill: ['tsnet kill web', 'tsnet kill -s HUP web'],
  restart: ['tsnet restart web'],
  rm: ['tsnet rm web', 'tsnet rm -f web db           # stop them first'],
  ps: ['tsnet ps', 'tsnet ps -a --json', 'tsnet ps -aq', "tsnet ps --format 'table {{.Name}}\\t{{.State}}'"],
  wait: ['tsnet wait web'],
  top: ['tsnet top web'],
  daemon: ['tsnet daemon &', 'tsnet daemon status'],
  'daemon status': ['tsnet daemon status --json'],
};

/** examplesText — the "Examples:" block of a help page. */
export function examplesText(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
