/**
 * lab-commands — `tsnet lab up|down|status|exec|graph|apply|netem|link|ls|schema`: multi-host
 * labs from a topology file. A lab is named by its file or by its name once it is up (the
 * record knows what it made, so down works after the file changed or is gone).
 */
import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { TsnetError, invalid } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import { printResult, printWarnings, setExitStatus, table, type GlobalOpts } from './output.js';
import { labJson } from './json-shapes.js';
import type { LabDownJson } from './json-schema.js';
import { currentScope, requireOwnProcess } from '../core/command-scope.js';
import { installInterruptHandlers } from '../core/interrupt.js';
import { resolveRoot } from '../state/db.js';
import type { LabModel } from '../lab/model.js';
import type { LabStatus } from '../lab/status.js';
import type { LabApplyPlanJson, LabDownPlanJson, LabLinkPlanJson, LabUpPlanJson } from './json-schema.js';

/* tsnet-lint-disable no-require -- loaded only by the lab subcommand that uses it (CLI start-up) */
const lab = () => require('../lab/lab.js') as typeof import('../lab/lab.js');
const labStatusMod = () => require('../lab/status.js') as typeof import('../lab/status.js');
const planText = () => require('../lab/plan-text.js') as typeof import('../lab/plan-text.js');
/* tsnet-lint-enable no-require */

interface LabOpts extends GlobalOpts {
  name?: string; as?: string; dryRun?: boolean; prefix?: string; ping?: boolean;
  delay?: string; jitter?: string; loss?: string; corrupt?: string; rate?: string; shaper?: 'tbf' | 'htb'; clear?: boolean;
  output?: string; serve?: boolean; port?: string;
}

function labOptions(opts: LabOpts): { root: string; backend: LabOpts['backend'] } {
  return { root: resolveRoot(opts.root), backend: opts.backend };
}

/** isFile — FILE|NAME: an existing regular file is a topology file, anything else a lab name. */
function isFile(arg: string): boolean {
  return existsSync(arg) && statSync(arg).isFile();
}

/** target — the lab's name (from the file, or as given) and, when a file was given, its model. */
export function target(arg: string, opts: LabOpts): { name: string; model?: LabModel; file?: string } {
  if (isFile(arg)) {
    const model = lab().loadLabFile(arg, { name: opts.name, prefix: opts.prefix ?? process.env['TSNET_LAB_PREFIX'] });
    return { name: model.name, model, file: arg };
  }
  if (/[/\\]|\.ya?ml$/.test(arg)) throw new TsnetError('ENOTFOUND', `lab file ${arg} does not exist`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/.test(arg)) throw invalid(`"${arg}" is neither a lab file nor a lab name`);
  return { name: opts.name ?? arg };
}

/**
 * interruptible — Ctrl-C, SIGTERM or SIGHUP during up, apply or down stop the work between
 * steps instead of killing the process: a first up removes what it made, a later up or an
 * apply keeps the record for the next command, a down carries on to the end. A second
 * signal exits at once (the operation's intent record is left for the next command or gc).
 * In the daemon a command's signal is its client's (core/interrupt.ts).
 */
async function interruptible<T>(fn: () => Promise<T>): Promise<T> {
  const uninstall = currentScope()?.io ? () => undefined : installInterruptHandlers();
  try { return await fn(); } finally { uninstall(); }
}

export function statusLines(s: LabStatus): string[] {
  const out = [`lab ${s.name}: ${s.phase}${s.as ? ` (this machine is host ${s.as})` : ''} — ${s.hosts.length} host(s), ${s.nodes.length} node(s), ${s.links.length} link(s)`];
  out.push('', ...table(['HOST', 'NETNS', 'UNDERLAY', 'STATE'], s.hosts.map((h) => [h.name, h.netns ?? '(this machine)', `${h.underlay.ifname} ${h.underlay.cidr}`, !h.present ? 'missing' : h.underlay.up && h.underlay.carrier ? 'up' : h.underlay.up ? 'no-carrier' : 'down'])));
  if (s.networks.length) out.push('', ...table(['HOST', 'NETWORK', 'SUBNET', 'GATEWAY', 'VXLAN', 'STATE'], s.networks.map((n) => [n.host, n.bridge, n.subnet, n.gateway ?? '-', n.vxlan ? `${n.vxlan.vni} → ${n.vxlan.remotes.join(', ')}` : '-', n.present ? 'up' : 'missing'])));
  if (s.nodes.length) out.push('', ...table(['NODE', 'HOST', 'KIND', 'ADDRESSES', 'STATE'], s.nodes.map((n) => [n.name, n.host, n.kind, n.addresses.map((a) => `${a.ifname} ${a.cidr}`).join(', ') || '-', n.present ? 'up' : 'missing'])));
  out.push('', ...table(['LINK', 'KIND', 'ENDS', 'STATE', 'IMPAIRMENT'], s.links.map((l) => [l.name, l.type === 'switch' ? 'switch' : l.kind, l.ends.join(' <-> '), l.state, l.impairment || '-'])));
  if (s.routes.length) out.push('', ...table(['HOST', 'ROUTE', 'VIA', 'STATE'], s.routes.map((r) => [r.host, r.dst, `${r.via} dev ${r.dev}`, r.present ? 'present' : 'missing'])));
  return out;
}

export function registerLabCommands(program: Command): void {
  // withGlobals on the group too: `tsnet lab --root R ls` (globals anywhere on the line).
  const labCmd = withGlobals(program.command('lab')).description('multi-host labs from a topology file: up, down, status, graph, impairments')
    .addHelpText('after', '\nExamples:\n  tsnet lab up examples/multi-host/pipework-two-hosts.yaml\n  tsnet lab status two-hosts --ping\n  tsnet lab graph two-hosts -o lab.svg\n  tsnet lab down two-hosts');

  withGlobals(labCmd.command('up'))
    .description('bring up the lab in FILE (idempotent), then print what exists')
    .argument('<file>', 'topology file (YAML)')
    .option('--name <name>', "use this lab name instead of the file's")
    .option('--as <host>', "this machine is HOST of the file: apply only that host's part, in this machine's own namespace")
    .option('--dry-run', "print each host's plan, change nothing")
    .addOption(new Option('--prefix <p>', 'prefix of the network namespaces the lab makes (default tsnet-)').env('TSNET_LAB_PREFIX'))
    .addHelpText('after', '\nExamples:\n  tsnet lab up examples/multi-host/pipework-two-hosts.yaml\n  tsnet lab up lab.yaml --as hostA --dry-run')
    .action(async (file: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      if (!isFile(file)) throw new TsnetError('ENOTFOUND', `lab file ${file} does not exist`);
      const { model } = target(file, opts);
      if (opts.dryRun) {
        // The real up's checks first (lab.up with dryRun), then the plan as up would run it.
        const p = await lab().up(model!, file, opts.as, { ...labOptions(opts), dryRun: true });
        const lines = planText().planText(model!, opts.as);
        printResult(opts, p satisfies LabUpPlanJson, [`dry run: lab ${model!.name}${p.exists ? ' is up; an up checks each step and makes only what is missing' : ''}, nothing changed`, ...lines]);
        return;
      }
      const r = await interruptible(() => lab().up(model!, file, opts.as, labOptions(opts)));
      const status = await labStatusMod().labStatus(r.record, opts.backend);
      const how = r.created ? 'is up' : r.priorPhase === 'up' ? 'was already up; checked and repaired what was missing' : `was left ${r.priorPhase} by an earlier command; finished it, it is up`;
      printResult(opts, labJson(status), [`lab ${model!.name} ${how}`, ...statusLines(status)]);
    });

  withGlobals(labCmd.command('down'))
    .description('remove everything the lab made (from its record: the file may have changed or gone)')
    .argument('<lab>', 'lab name or topology file')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .option('--dry-run', 'name the containers and namespaces it would remove, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet lab down two-hosts\n  tsnet lab down two-hosts --dry-run\n  tsnet lab down examples/multi-host/pipework-two-hosts.yaml')
    .action(async (arg: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      const { name } = target(arg, opts);
      if (opts.dryRun) {
        const p = await lab().downPlan(name, labOptions(opts));
        printResult(opts, p satisfies LabDownPlanJson, p.exists ? [`would take lab ${name} down:`, ...p.steps.map((st, i) => `${i + 1}. ${st.name}: ${st.description}`)] : `no lab named ${name}; nothing to do`);
        return;
      }
      const r = await interruptible(() => lab().down(name, labOptions(opts)));
      printWarnings(r.warnings);
      const json: LabDownJson = { name, existed: r.existed, removedNetns: r.removedNetns, warnings: r.warnings };
      printResult(opts, json, r.existed ? `lab ${name} is down (${r.removedNetns} namespaces removed)` : `no lab named ${name}; nothing to do`);
      if (r.warnings.length) setExitStatus(6);
    });

  withGlobals(labCmd.command('status'))
    .description('what the lab has in the kernel now; --ping adds an all-pairs reachability matrix (exit 1 if a pair that should reach does not)')
    .argument('<lab>', 'lab name or topology file')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .option('--ping', 'ping every node from every node, from inside the nodes')
    .addHelpText('after', '\nExamples:\n  tsnet lab status two-hosts\n  tsnet lab status two-hosts --ping --json')
    .action(async (arg: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      const { name } = target(arg, opts);
      const rec = lab().requireRecord(resolveRoot(opts.root), name);
      const status = await labStatusMod().labStatus(rec, opts.backend);
      if (!opts.ping) {
        printResult(opts, labJson(status), statusLines(status));
        return;
      }
      const probe = require('../lab/probe.js') as typeof import('../lab/probe.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const reach = await probe.reachMatrix(rec);
      printResult(opts, labJson(status, reach), [...statusLines(status), '', ...probe.matrixLines(reach, rec.model.nodes.map((n) => n.name))]);
      if (reach.failures > 0) setExitStatus(1);
    });

  withGlobals(labCmd.command('graph'))
    .description('draw the lab: -o OUT.svg|.dot|.mmd, or --serve a live page on 127.0.0.1')
    .argument('<lab>', 'lab name or topology file (a file that is not up is drawn as written)')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .option('-o, --output <file>', 'write the picture here; the extension picks the format')
    .option('--serve', 'serve a live page (status refreshed from the running lab) until interrupted')
    .option('--port <n>', 'port for --serve (default 50080; 0 picks a free one)')
    .addHelpText('after', '\nExamples:\n  tsnet lab graph two-hosts -o two-hosts.svg\n  tsnet lab graph examples/multi-host/four-hosts.yaml -o four.mmd\n  tsnet lab graph two-hosts --serve --port 8080')
    .action(async (arg: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      if (!opts.output && !opts.serve) throw invalid('give -o OUT.svg|.dot|.mmd or --serve');
      const t = target(arg, opts);
      const root = resolveRoot(opts.root);
      const { readRecord } = require('../lab/record.js') as typeof import('../lab/record.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const rec = readRecord(root, t.name);
      if (opts.serve) {
        requireOwnProcess('the graph server runs until its caller stops it');
        if (!rec) throw new TsnetError('ENOTFOUND', `no lab named ${t.name} is up; --serve shows a running lab`);
        const port = opts.port === undefined ? 50080 : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`--port ${opts.port} is not a port number`);
        const { serveGraph } = require('../lab/graph-server.js') as typeof import('../lab/graph-server.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
        const server = await serveGraph(root, t.name, port, opts.backend);
        process.stdout.write(`serving lab ${t.name} on http://127.0.0.1:${server.port}/ (Ctrl-C stops)\n`);
        await server.closed;
        return;
      }
      const model = rec?.model ?? t.model;
      if (!model) throw new TsnetError('ENOTFOUND', `no lab named ${t.name} is up; give its file to draw it as written`);
      const status = rec ? await labStatusMod().labStatus(rec, opts.backend) : undefined;
      const { writeGraph } = require('../lab/render.js') as typeof import('../lab/render.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const impairments = status ? Object.fromEntries(status.links.map((l) => [l.name, l.impairment])) : undefined;
      await writeGraph(opts.output!, { model, status, impairments });
      printResult(opts, { name: model.name, output: opts.output }, `wrote ${opts.output}`);
    });

  withGlobals(labCmd.command('exec'))
    .description("run a command inside a node's network namespace")
    .argument('<lab>', 'lab name or topology file')
    .argument('<node>', 'node name')
    .argument('<cmd...>', 'the command (after --)')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  tsnet lab exec two-hosts web -- busybox ping -c 1 192.168.115.11\n  tsnet lab exec two-hosts db -- ip addr')
    .action(async (arg: string, node: string, argv: string[], _o: LabOpts, cmd: Command) => {
      requireOwnProcess('the command runs with the caller\'s own terminal');
      const opts = cmd.optsWithGlobals<LabOpts>();
      const { name } = target(arg, opts);
      const rec = lab().requireRecord(resolveRoot(opts.root), name);
      const n = rec.model.nodes.find((x) => x.name === node);
      if (!n) throw new TsnetError('ENOTFOUND', `lab ${name} has no node ${node} (nodes: ${rec.model.nodes.map((x) => x.name).join(', ')})`);
      const { argvIn, netnsExists } = require('../netns/named.js') as typeof import('../netns/named.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      if (!netnsExists(n.netns)) throw new TsnetError('ENOTFOUND', `node ${node}'s netns ${n.netns} is gone; tsnet lab up repairs it`);
      const { runAttached } = require('../core/exec.js') as typeof import('../core/exec.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const command = argv[0] === '--' ? argv.slice(1) : argv;
      if (command.length === 0) throw invalid('give the command to run after --');
      // A container node: all of its namespaces (its filesystem too), through its process.
      const pid = n.kind === 'container' ? lab().containerPid(resolveRoot(opts.root), rec, n) : undefined;
      setExitStatus(await runAttached(pid ? ['nsenter', '-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--', ...command] : argvIn(n.netns, command)));
    });

  withGlobals(labCmd.command('apply'))
    .description('change a running lab to match its edited file: add and remove nodes, links and networks, leave the rest running')
    .argument('<file>', 'topology file (YAML)')
    .option('--name <name>', "use this lab name instead of the file's")
    .addOption(new Option('--prefix <p>', 'prefix of the network namespaces the lab makes').env('TSNET_LAB_PREFIX'))
    .option('--dry-run', 'run its checks and name what it would remove and add, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet lab apply examples/multi-host/pipework-two-hosts.yaml\n  tsnet lab apply lab.yaml --dry-run')
    .action(async (file: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      if (!isFile(file)) throw new TsnetError('ENOTFOUND', `lab file ${file} does not exist`);
      const { model } = target(file, opts);
      if (opts.dryRun) {
        const p = await lab().apply(model!, file, { ...labOptions(opts), dryRun: true });
        printResult(opts, p satisfies LabApplyPlanJson, p.steps.length === 0 ? `lab ${p.name}: nothing to change` : [`would change lab ${p.name}: remove ${p.removed.join(', ') || 'nothing'}; add ${p.added.join(', ') || 'nothing'}`,
          ...p.steps.map((st, i) => `${i + 1}. ${st.name}: ${st.description}`)]);
        return;
      }
      const r = await interruptible(() => lab().apply(model!, file, labOptions(opts)));
      const status = await labStatusMod().labStatus(r.record, opts.backend);
      const summary = r.removed.length + r.added.length === 0 ? `lab ${model!.name}: nothing to change` : `lab ${model!.name}: removed ${r.removed.join(', ') || 'nothing'}; added ${r.added.join(', ') || 'nothing'}`;
      printResult(opts, { removed: r.removed, added: r.added, status }, [summary, ...statusLines(status)]);
    });

  withGlobals(labCmd.command('netem'))
    .description("change a link's impairment at run time (delay, jitter, loss and corruption need netem; rate uses tbf or htb)")
    .argument('<lab>', 'lab name or topology file')
    .argument('<link>', 'link name (see tsnet lab status)')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .option('--delay <t>', 'e.g. 20ms').option('--jitter <t>', 'e.g. 5ms').option('--loss <p>', 'e.g. 1%').option('--corrupt <p>', 'e.g. 0.1%')
    .option('--rate <r>', 'e.g. 10mbit')
    .addOption(new Option('--shaper <q>', 'qdisc for a rate alone').choices(['tbf', 'htb']))
    .option('--clear', 'remove the impairment')
    .option('--dry-run', 'run the checks (link, kernel support) and say what would change, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet lab netem two-hosts wire --rate 10mbit\n  tsnet lab netem two-hosts web:eth1 --delay 20ms --jitter 5ms --loss 1%\n  tsnet lab netem two-hosts wire --clear')
    .action(async (arg: string, linkName: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      const { name } = target(arg, opts);
      const { impairmentSchema } = require('../lab/schema.js') as typeof import('../lab/schema.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const given = Object.fromEntries((['delay', 'jitter', 'loss', 'corrupt', 'rate', 'shaper'] as const).filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
      if (opts.clear && Object.keys(given).length) throw invalid('--clear takes no other impairment option');
      if (!opts.clear && Object.keys(given).length === 0) throw invalid('give --delay, --jitter, --loss, --corrupt, --rate or --clear');
      const parsed = impairmentSchema.safeParse(given);
      if (!parsed.success) throw invalid(parsed.error.issues[0]!.message);
      if (parsed.data.jitter && !parsed.data.delay) throw invalid('--jitter needs --delay');
      if (opts.dryRun) {
        const p = await lab().netem(name, linkName, opts.clear ? null : parsed.data, { ...labOptions(opts), dryRun: true });
        printResult(opts, p satisfies LabLinkPlanJson, `would ${p.steps[0]!.description}`);
        return;
      }
      const rec = await lab().netem(name, linkName, opts.clear ? null : parsed.data, labOptions(opts));
      const status = await labStatusMod().labStatus(rec, opts.backend);
      const l = status.links.find((x) => x.name === linkName)!;
      printResult(opts, l, `link ${linkName}: ${l.impairment || 'no impairment'}`);
    });

  withGlobals(labCmd.command('link'))
    .description('take a link down (a pulled cable) or bring it back up')
    .argument('<lab>', 'lab name or topology file')
    .argument('<link>', 'link name (see tsnet lab status)')
    .argument('<state>', 'down or up')
    .option('--name <name>', 'lab name, when FILE was brought up with --name')
    .option('--dry-run', 'check the lab and link and say what would change, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet lab link two-hosts wire down\n  tsnet lab link two-hosts wire up')
    .action(async (arg: string, linkName: string, state: string, _o: LabOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts>();
      if (state !== 'up' && state !== 'down') throw invalid(`link state "${state}" must be up or down`);
      const { name } = target(arg, opts);
      if (opts.dryRun) {
        const p = await lab().link(name, linkName, state === 'up', { ...labOptions(opts), dryRun: true });
        printResult(opts, p satisfies LabLinkPlanJson, `would ${p.steps[0]!.description}`);
        return;
      }
      await lab().link(name, linkName, state === 'up', labOptions(opts));
      printResult(opts, { name, link: linkName, state }, `link ${linkName} is ${state}`);
    });

  withGlobals(labCmd.command('schema'))
    .description('print the topology file schema as JSON Schema (for editors)')
    .action(() => {
      const { z } = require('zod') as typeof import('zod'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const { labSchema } = require('../lab/schema.js') as typeof import('../lab/schema.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(labSchema), null, 2)}\n`);
    });

  withListingOptions(withGlobals(labCmd.command('ls')), { quiet: 'only lab names' })
    .description('the labs that are up under this state root')
    .action(async (_o: LabOpts & ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<LabOpts & ListingOpts>();
      const mode = checkListing(opts, LISTING_FIELDS.lab);
      const { listLabs, readRecord } = require('../lab/record.js') as typeof import('../lab/record.js'); // tsnet-lint-disable-line no-require -- loaded only by the lab subcommand that uses it (CLI start-up)
      const root = resolveRoot(opts.root);
      const recs = listLabs(root).map((n) => readRecord(root, n)!);
      // The same object as lab status prints (a look at the kernel per lab): for --json and --format only.
      const statuses = opts.json || mode.kind === 'template' || mode.kind === 'json-lines' ? await Promise.all(recs.map((r) => labStatusMod().labStatus(r, opts.backend))) : [];
      const objects = statuses.length === recs.length ? statuses.map((s) => labJson(s))
        : recs.map((r) => ({ name: r.model.name })); // the table and -q read only the records
      printListing(opts, objects,
        () => table(['NAME', 'PHASE', 'HOSTS', 'NODES', 'FILE'], recs.map((r) => [r.model.name, r.phase + (r.as ? ` (as ${r.as})` : ''), String(r.model.hosts.length), String(r.model.nodes.length), r.file ?? '-'])),
        { quiet: 'name', fields: LISTING_FIELDS.lab });
    });
}
