/**
 * listing — `-q/--quiet` and `--format` for every command that lists objects, the way docker
 * users know them. A listing command adds the options with withListingOptions, checks them
 * with checkListing before it does any work, and prints with printListing:
 *
 *   withListingOptions(network.command('ls'), { quiet: 'only network names' })
 *   ...action: checkListing(opts, LISTING_FIELDS.network); const all = ...; printListing(opts, all, rows(all), { quiet: 'name', fields: LISTING_FIELDS.network })
 *
 * Precedence (docker's): -q wins over --format, with docker's warning on stderr. --format
 * and --json together are refused (exit 2): both choose the output. `-q --json` prints a JSON
 * array of the quiet values. `--format json` prints one JSON object per line, `--format table`
 * the usual table. The fields of a template are the keys of the objects --json prints.
 */
import { Option, type Command } from 'commander';
import { TsnetError } from '../core/errors.js';
import { printResult, type GlobalOpts } from './output.js';
import { TemplateError, parseTemplate, type Template, templateFields } from './format-template.js';
import { formatObjects, lookup } from './format-render.js';

export interface ListingOpts extends GlobalOpts {
  quiet?: boolean | undefined;
  format?: string | undefined;
}

export interface ListingSpec<T> {
  /** What -q prints for each object: a key (its value, one per line), or a function. Duplicates are printed once. */
  quiet?: (keyof T & string) | ((o: T) => string);
  /** The value -q --json lists (default: the quiet key's value, or the quiet text). */
  quietJson?: (o: T) => unknown;
  /**
   * Every key of the object kind, to check a template's fields when the listing is empty
   * (otherwise the keys of the objects themselves are used).
   */
  fields?: readonly string[];
}

const FORMAT_HELP = "print each with a Go template, as docker does: '{{.Field}}\\t{{.Other}}', 'table TEMPLATE' (with a header), json (one object a line); fields: the --json keys, any case"

const INSPECT_HELP = "print each with a Go template, as docker inspect -f does: '{{.State.Pid}}', '{{range .Addresses}}{{.}} {{end}}'; fields: the --json keys, any case";

/**
 * withListingOptions — -q/--quiet (when quiet describes it) and --format on a listing command;
 * `inspect: true` gives docker inspect's `-f, --format` instead.
 */
export function withListingOptions(cmd: Command, opts: { quiet?: string; inspect?: boolean } = {}): Command {
  if (opts.quiet !== undefined) cmd.addOption(new Option('-q, --quiet', opts.quiet));
  return cmd.addOption(opts.inspect ? new Option('-f, --format <template>', INSPECT_HELP) : new Option('--format <template>', FORMAT_HELP));
}

export type ListingMode =
  | { kind: 'default' }
  | { kind: 'quiet' }
  | { kind: 'json-lines' }
  | { kind: 'template'; template: Template };

function usage(message: string): TsnetError {
  return new TsnetError('EUSAGE', message);
}

/**
 * checkListing — how the listing will print, decided before any work: a bad template, a
 * field that is not one of `fields` (the kind's keys, when the command knows them) or a
 * conflict of options is a usage error (exit 2) with nothing printed and nothing done.
 */
export function checkListing(opts: ListingOpts, fields?: readonly string[]): ListingMode {
  const mode = listingMode(opts);
  if (mode.kind === 'template' && fields) checkFields(mode.template, [], fields);
  return mode;
}

function listingMode(opts: ListingOpts): ListingMode {
  const format = opts.format;
  if (opts.quiet) return { kind: 'quiet' };
  if (format === undefined) return { kind: 'default' };
  if (opts.json) throw usage('give --json or --format, not both (--format json prints one JSON object per line)');
  const trimmed = format.trim();
  if (trimmed === '' || trimmed === 'table') return { kind: 'default' };
  if (trimmed === 'json') return { kind: 'json-lines' };
  try {
    return { kind: 'template', template: parseTemplate(format) };
  } catch (e) {
    if (e instanceof TemplateError) throw usage(`--format: ${e.message}`);
    throw e;
  }
}

/**
 * printListing — the objects as the options ask: the human table (lines given, or made on
 * demand), JSON (--json), one id or name per line (-q), or a template (--format). Everything
 * is rendered before the first byte is written, so a template error prints nothing else.
 */
export function printListing<T extends object>(opts: ListingOpts, objects: readonly T[], human: string[] | (() => string[]), spec: ListingSpec<T>): void {
  const mode = listingMode(opts);
  if (mode.kind === 'quiet' && opts.format !== undefined) {
    process.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  }
  switch (mode.kind) {
    case 'default':
      printResult(opts, objects, typeof human === 'function' ? (opts.json ? [] : human()) : human);
      return;
    case 'quiet': {
      const q = spec.quiet;
      if (q === undefined) throw new TsnetError('EINTERNAL', 'this listing has no -q');
      const quietText = (o: T): string => (typeof q === 'function' ? q(o) : String((o as Record<string, unknown>)[q] ?? ''));
      if (opts.json) {
        const value = spec.quietJson ?? ((o: T): unknown => (typeof q === 'function' ? q(o) : (o as Record<string, unknown>)[q]));
        printResult(opts, unique(objects.map(value)), []);
        return;
      }
      const lines = unique(objects.map(quietText)).filter((l) => l !== '');
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      return;
    }
    case 'json-lines':
      process.stdout.write(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
      return;
    case 'template': {
      checkFields(mode.template, objects, spec.fields);
      let out: string;
      try {
        out = formatObjects(mode.template, objects);
      } catch (e) {
        if (e instanceof TemplateError) throw usage(`--format: ${e.message}`);
        throw e;
      }
      process.stdout.write(out);
    }
  }
}

/** checkFields — every top-level field the template reads is a key of the object kind; else one usage line naming the valid ones. */
function checkFields(t: Template, objects: readonly object[], fields: readonly string[] | undefined): void {
  const keys = fields ?? [...new Set(objects.flatMap((o) => Object.keys(o)))];
  if (keys.length === 0) return;
  const known = Object.fromEntries(keys.map((k) => [k, true]));
  for (const path of templateFields(t)) {
    if (lookup(known, path[0]!) === undefined) {
      throw usage(`--format: unknown field .${path[0]}; valid fields are ${keys.map((k) => `.${k}`).join(' ')}`);
    }
  }
}

function unique<V>(values: V[]): V[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = JSON.stringify(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
