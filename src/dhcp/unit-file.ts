/**
 * unit-file — pure: the lease keeper's systemd unit (contrib/tsnet-dhcp-keeper@.service)
 * made ready for one installation and one state root: its ExecStart pointed at this
 * installation's Node and CLI, and the instance name of the root, escaped as
 * `systemd-escape --path` escapes it (the unit reads it back with %f).
 * @pure
 */
import { invalid } from '../core/errors.js';

export const UNIT_TEMPLATE = 'tsnet-dhcp-keeper@.service';

/** systemdEscapePath — `systemd-escape --path`: "/var/lib/tsnet" → "var-lib-tsnet". */
export function systemdEscapePath(path: string): string {
  if (!path.startsWith('/')) throw invalid(`state root "${path}" must be an absolute path for the unit`);
  const trimmed = path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
  if (trimmed === '') return '-';
  if (trimmed.split('/').some((c) => c === '.' || c === '..')) throw invalid(`state root "${path}" must not contain . or .. components`);
  let out = '';
  for (const [i, ch] of [...Buffer.from(trimmed, 'utf8')].entries()) {
    const c = String.fromCharCode(ch);
    if (c === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) out += c;
    else out += `\\x${ch.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** instanceUnit — the unit name that runs the keeper of `root`. */
export function instanceUnit(root: string): string {
  return UNIT_TEMPLATE.replace('@', `@${systemdEscapePath(root)}`);
}

/** unitFor — the template with its ExecStart running this installation (node, then bin/tsnet.js). */
export function unitFor(template: string, node: string, cli: string): string {
  for (const p of [node, cli]) if (/[\s%"'\\$;]/.test(p)) throw invalid(`path "${p}" has characters a unit's ExecStart would misread; install tsnet under a plain path`);
  let found = 0;
  const out = template.split('\n').map((line) => {
    if (!line.startsWith('ExecStart=')) return line;
    found++;
    return `ExecStart=${node} ${cli} dhcp-keeper --root %f`;
  }).join('\n');
  if (found !== 1) throw invalid(`the unit template has ${found} ExecStart lines, not one`);
  return out.replace(/^# Adjust ExecStart to where tsnet is installed.*\n/m, '');
}
