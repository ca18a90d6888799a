/**
 * The --format language (cli/format-template.ts, format-render.ts) and the listing options around it
 * (cli/listing.ts): docker's behaviour on the templates docker users write.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { TemplateError, parseTemplate, templateFields } from '../../../src/cli/format-template.js';
import { alignColumns, formatObjects, headerOf, render } from '../../../src/cli/format-render.js';
import { checkListing, printListing, type ListingOpts, type ListingSpec } from '../../../src/cli/listing.js';
import { runInScope } from '../../../src/core/command-scope.js';
import { routeProcessToCommands } from '../../../src/daemon/routing.js';
import { TsnetError } from '../../../src/core/errors.js';
import { LISTING_FIELDS } from '../../../src/cli/listing-fields.js';
import { OUTPUT_KINDS } from '../../../src/cli/json-schema.js';
import { KEPT_LEASE_FIELDS } from '../../../src/dhcp/status.js';

const nets = [
  { name: 'lab', subnet: '10.77.0.0/24', gateway: '10.77.0.1', subnet6: null, mtu: 1500, internal: false, tags: ['a', 'b'], dhcp: { phase: 'bound', dns: ['1.1.1.1'] } },
  { name: 'db-network', subnet: '10.78.0.0/24', gateway: '10.78.0.1', subnet6: 'fd00::/64', mtu: 9000, internal: true, tags: [], dhcp: null },
];
const fmt = (t: string, objects: unknown[] = nets): string => formatObjects(parseTemplate(t), objects);

describe('format templates', () => {
  test('fields, case-insensitive, with docker\'s \\t and \\n escapes', () => {
    assert.equal(fmt('{{.Name}}\\t{{.Subnet}}'), 'lab\t10.77.0.0/24\ndb-network\t10.78.0.0/24\n');
    assert.equal(fmt('{{.name}}:{{.MTU}}\\n--'), 'lab:1500\n--\ndb-network:9000\n--\n');
    assert.equal(fmt('{{ .Internal }}'), 'false\ntrue\n');
  });
  test('null prints as nothing, nested fields, and through a null parent', () => {
    assert.equal(fmt('[{{.Subnet6}}]'), '[]\n[fd00::/64]\n');
    assert.equal(fmt('{{.Dhcp.Phase}}|'), 'bound|\n|\n');
  });
  test('json, join, lower/upper/title, pipes, len, split, truncate, pad', () => {
    assert.equal(fmt('{{json .Tags}} {{json .dhcp}}', nets.slice(0, 1)), '["a","b"] {"phase":"bound","dns":["1.1.1.1"]}\n');
    assert.equal(render(parseTemplate('{{json .}}'), nets[1]), JSON.stringify(nets[1]));
    assert.equal(fmt('{{join .Tags ","}}|{{join .dhcp.dns ", "}}'), 'a,b|1.1.1.1\n|\n');
    assert.equal(fmt('{{upper .Name}} {{.Name | title}} {{lower "AbC"}}', nets.slice(1)), 'DB-NETWORK Db-Network abc\n');
    assert.equal(fmt('{{len .Tags}} {{join .Tags "-"}}', nets.slice(0, 1)), '2 a-b\n');
    assert.equal(fmt('{{split .Subnet "/" | len}} {{truncate .Name 3}}{{pad .Mtu 1 0}}', nets.slice(1)), '2 db- 9000\n');
    assert.equal(fmt('{{.Tags}} {{.Dhcp}}', nets.slice(0, 1)), '[a b] map[dns:[1.1.1.1] phase:bound]\n');
    assert.equal(fmt('{{- /* c */ -}} {{.Name}}  {{- " x" }}', nets.slice(0, 1)), 'lab x\n');
  });
  test('if/else if/else, range, with, eq/ne/not/and/or, index', () => {
    assert.equal(fmt('{{if .Internal}}internal{{else if eq .Name "lab"}}the lab{{else}}?{{end}}'), 'the lab\ninternal\n');
    assert.equal(fmt('{{range .Tags}}<{{.}}>{{else}}none{{end}}'), '<a><b>\nnone\n');
    assert.equal(fmt('{{with .Dhcp}}{{.Phase}} {{range .Dns}}{{.}}{{end}}{{else}}static{{end}}'), 'bound 1.1.1.1\nstatic\n');
    assert.equal(fmt('{{range .Dhcp}}[{{.}}]{{end}}', nets.slice(0, 1)), '[[1.1.1.1]][bound]\n', 'an object: its values in key order');
    assert.equal(fmt('{{if and .Subnet6 .Internal}}x{{end}}'), '\nx\n');
    assert.equal(fmt('{{if ne .Mtu 1500}}jumbo{{end}}{{if or .Subnet6 .Internal}}!{{end}}{{not .Tags}}'), 'false\njumbo!true\n');
    assert.equal(fmt('{{index .Tags 1}} {{index .Dhcp "PHASE"}} {{index . "name"}}', nets.slice(0, 1)), 'b bound lab\n');
    assert.deepEqual(templateFields(parseTemplate('{{if .A}}{{.B}}{{else}}{{.C}}{{end}}{{range .D}}{{.E}}{{else}}{{.F}}{{end}}')), [['A'], ['B'], ['C'], ['D'], ['F']]);
    assert.throws(() => fmt('{{range .Name}}{{end}}'), /range needs a list or an object/);
  });
  test('a template typed by anyone is bounded: widths to 1000, blocks 100 deep (one line, not a 2 GB string or a stack overflow)', () => {
    assert.throws(() => fmt('{{pad .Name 2000000000 0}}'), (e: unknown) => e instanceof TemplateError && /pad .* takes widths from 0 to 1000, not 2000000000/.test(e.message));
    assert.throws(() => fmt('{{truncate .Name -1}}'), /truncate .* takes widths from 0 to 1000, not -1/);
    assert.equal(fmt('{{pad .Name 1000 0}}', nets.slice(0, 1)), `${' '.repeat(1000)}lab\n`);
    const deep = (n: number): string => `${'{{if .Name}}'.repeat(n)}x${'{{end}}'.repeat(n)}`;
    assert.equal(fmt(deep(100), nets.slice(0, 1)), 'x\n');
    assert.throws(() => parseTemplate(deep(20000)), (e: unknown) => e instanceof TemplateError && /nested more than 100 deep/.test(e.message));
  });

  test('table: a header from the field names, columns aligned as docker\'s tabwriter', () => {
    assert.equal(fmt('table {{.Name}}\\t{{.Subnet}}\\t{{.Mtu}}'),
      'NAME         SUBNET         MTU\n'
      + 'lab          10.77.0.0/24   1500\n'
      + 'db-network   10.78.0.0/24   9000\n');
    assert.equal(fmt('table {{.Name}}\\t{{.Mtu}}', []), 'NAME      MTU\n');
    assert.equal(headerOf(['containerIp']), 'CONTAINER IP');
    assert.equal(headerOf(['dhcp', 'expiresAt']), 'DHCP EXPIRES AT');
    assert.deepEqual(alignColumns(['a\tbb\tc', 'aaaaaaaaaaaa\tb']), ['a              bb        c', 'aaaaaaaaaaaa   b']);
  });
  test('what it reads, for checking before printing', () => {
    assert.deepEqual(templateFields(parseTemplate('{{.A}} {{json .}} {{join .B.C ","}} {{.D | upper}}')), [['A'], ['B', 'C'], ['D']]);
  });
  test('refused with one line: control actions, unknown functions, bad syntax, unknown nested fields', () => {
    for (const [t, re] of [
      ['{{printf "%s" .Name}}', /\{\{printf\}\} is not supported/],
      ['{{range .Tags}}x', /missing \{\{end\}\} of \{\{range \.Tags\}\}/],
      ['x{{end}}', /\{\{end\}\} without an \{\{if\}\}/],
      ['{{if}}x{{end}}', /needs a value/],
      ['{{if .A}}x{{else range .B}}{{end}}', /after else comes nothing, if or with/],
      ['{{frob .Name}}', /unknown function "frob"/],
      ['{{.Name', /unclosed action/],
      ['{{$x := .Name}}', /variables/],
      ['{{}}', /empty action/],
      ['{{join .Tags}}', /join takes 2 arguments/],
      ['{{.Name .Subnet}}', /where a function was expected/],
    ] as const) assert.throws(() => parseTemplate(t), (e: Error) => e instanceof TemplateError && re.test(e.message) && !e.message.includes('\n'), t);
    assert.throws(() => fmt('{{.Dhcp.Nope}}'), /unknown field \.Dhcp\.Nope in --format: valid fields of \.Dhcp are \.phase \.dns/);
    assert.throws(() => fmt('{{.Name.X}}'), /\.Name is a string, it has no fields/);
    assert.throws(() => fmt('{{join .Name ","}}'), /must be a list/);
  });
});

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => Buffer.concat(chunks).toString() };
}

/** listing — what printListing writes for these options, or the usage error it throws. */
function listing<T extends object>(opts: ListingOpts, objects: T[], spec: ListingSpec<T>): { stdout: string; stderr: string } {
  routeProcessToCommands();
  const out = capture();
  const err = capture();
  runInScope({ debug: false, io: { stdout: out.stream, stderr: err.stream, stdin: Readable.from([]) as unknown as NodeJS.ReadStream, env: {} } }, () => {
    printListing(opts, objects, () => ['HUMAN TABLE'], spec);
  });
  return { stdout: out.text(), stderr: err.text() };
}

describe('listing options', () => {
  const spec = { quiet: 'name' } as const;
  test('no option: the human table; --json: the array', () => {
    assert.equal(listing({}, nets, spec).stdout, 'HUMAN TABLE\n');
    assert.deepEqual(JSON.parse(listing({ json: true }, nets, spec).stdout), nets);
    assert.equal(listing({ format: 'table' }, nets, spec).stdout, 'HUMAN TABLE\n');
  });
  test('-q: one name per line, each once; with --json an array', () => {
    const twice = [...nets, nets[0]!];
    assert.equal(listing({ quiet: true }, twice, spec).stdout, 'lab\ndb-network\n');
    assert.deepEqual(JSON.parse(listing({ quiet: true, json: true }, twice, spec).stdout), ['lab', 'db-network']);
    assert.equal(listing({ quiet: true }, [], spec).stdout, '');
    assert.equal(listing({ quiet: true }, nets, { quiet: (n) => n.subnet.split('/')[0]! }).stdout, '10.77.0.0\n10.78.0.0\n');
  });
  test('-q wins over --format, with docker\'s warning', () => {
    const r = listing({ quiet: true, format: '{{.Subnet}}' }, nets, spec);
    assert.equal(r.stdout, 'lab\ndb-network\n');
    assert.equal(r.stderr, 'WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  });
  test('--format json: one object per line; --format with --json is refused', () => {
    assert.equal(listing({ format: 'json' }, nets, spec).stdout, `${JSON.stringify(nets[0])}\n${JSON.stringify(nets[1])}\n`);
    assert.throws(() => checkListing({ json: true, format: '{{.Name}}' }), (e: TsnetError) => e.code === 'EUSAGE' && /--json or --format/.test(e.message));
  });
  test('an unknown field is a usage error naming the valid ones, and nothing is printed', () => {
    const objects = nets.map(({ name, subnet }) => ({ name, subnet }));
    let printed = '';
    assert.throws(() => { printed = listing({ format: 'table {{.Name}}\\t{{.Bogus}}' }, objects, spec).stdout; },
      (e: TsnetError) => e.code === 'EUSAGE' && e.exitStatus === 2 && e.message === '--format: unknown field .Bogus; valid fields are .name .subnet');
    assert.equal(printed, '');
    // An empty listing checks against the kind's fields when the command names them, and checkListing before any work.
    assert.throws(() => checkListing({ format: '{{.Name}} {{.Bogus}}' }, ['name']), /unknown field \.Bogus; valid fields are \.name$/);
    assert.equal(checkListing({ format: '{{.NAME}}' }, ['name']).kind, 'template');
    assert.throws(() => listing({ format: '{{.Bogus}}' }, [] as Array<{ name: string }>, { quiet: 'name', fields: ['name'] }), /unknown field \.Bogus/);
    assert.throws(() => checkListing({ format: '{{printf "%s" .Name}}' }), (e: TsnetError) => e.code === 'EUSAGE' && /^--format: \{\{printf\}\} is not supported/.test(e.message));
  });
});

test('the fields a listing checks an empty listing against are the keys of its JSON kind', () => {
  for (const [kind, fields] of Object.entries(LISTING_FIELDS)) {
    assert.deepEqual(fields, Object.keys(OUTPUT_KINDS[kind as keyof typeof LISTING_FIELDS].shape), `${kind}: src/cli/listing-fields.ts differs from json-schema.ts`);
  }
  assert.deepEqual(KEPT_LEASE_FIELDS, Object.keys(OUTPUT_KINDS.dhcpLease.shape), 'dhcp leases');
});
