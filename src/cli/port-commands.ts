/**
 * port-commands — `tsnet port publish|ls|unpublish`: docker's -p for any guest attached to a
 * tsnet network.
 */
import type { Command } from 'commander';
import { withGlobals } from './globals.js';
import { TsnetError, invalid } from '../core/errors.js';
import { load } from './load.js';
import { printResult, table, type GlobalOpts } from './output.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import { withContext } from './with-context.js';
import { portMappingJson } from './json-shapes.js';
import type { PortsPlanJson } from './json-schema.js';
import type { PortView, PortsPlan } from '../network/ports.js';

interface PortOpts extends GlobalOpts { p?: string[]; i?: string; dryRun?: boolean }

function rows(ports: PortView[]): string[] {
  const { formatPortMapping } = load.portSpec();
  return table(['GUEST', 'IFACE', 'NETWORK', 'CONTAINER-IP', 'PORTS'],
    ports.map((p) => [p.guest, p.interface, p.network, p.containerIp,
      formatPortMapping({ protocol: p.protocol, hostIp: p.hostIp, hostFamily: 4, hostPort: p.hostPort, containerPort: p.containerPort })]));
}

/** planLines — a dry run's mappings and steps, for people. */
function planLines(p: PortsPlan): string[] {
  return [...rows(p.ports), 'plan:', ...p.steps.map((st, i) => `${i + 1}. ${st.name}: ${st.description}`)];
}

/** portsPlanJson — a publish or unpublish dry run, its mappings in the one portMapping shape. */
function portsPlanJson(p: PortsPlan): PortsPlanJson {
  return { dryRun: true, guest: p.guest, interface: p.interface, network: p.network, containerIp: p.containerIp, ports: p.ports.map(portMappingJson), steps: p.steps };
}

/** collect — repeated -p options, appended in place (copying made 1000 of them quadratic). */
const collect = (value: string, previous: string[] = []): string[] => {
  previous.push(value);
  return previous;
};

export function registerPortCommands(program: Command): void {
  const port = withListingOptions(withGlobals(program.command('port')), { quiet: 'only the container ports (80/tcp)' }).description('publish guests\' ports on the host; `tsnet port GUEST` lists one guest\'s, as docker port does')
    .argument('[guest]', 'list the published ports of this guest')
    .argument('[port]', 'only this container port, e.g. 80 or 53/udp')
    .addHelpText('after', '\nExamples:\n  tsnet port web                  # 80/tcp -> 0.0.0.0:8080\n  tsnet port web 80/tcp           # 0.0.0.0:8080\n  tsnet port publish web -p 8080:80\n  tsnet port ls')
    .action(async (guestText: string | undefined, portText: string | undefined, _o: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      if (guestText === undefined) { cmd.help({ error: true }); return; }
      checkListing(opts, LISTING_FIELDS.portMapping);
      const ref = load.grammar().parseGuest(guestText);
      const [num, proto] = (portText ?? '').split('/');
      if (portText !== undefined && (!/^\d{1,5}$/.test(num!) || (proto !== undefined && !['tcp', 'udp', 'sctp'].includes(proto)))) {
        throw invalid(`port "${portText}" is not PORT or PORT/tcp|udp|sctp`);
      }
      const ports = await withContext(opts, (ctx) => {
        const guest = load.guest().tryResolveGuest(ref, ctx.containerLookup);
        const name = guest?.name ?? load.guestRef().describeGuest(ref);
        guest?.close();
        return load.ports().listPorts(ctx).filter((p) => p.guest === name
          && (portText === undefined || (p.containerPort === Number(num) && p.protocol === (proto ?? 'tcp'))));
      });
      if (portText !== undefined && ports.length === 0) throw new TsnetError('ENOTFOUND', `${guestText} has no published port ${num}/${proto ?? 'tcp'}`);
      // docker port: "80/tcp -> 0.0.0.0:8080" for each, only "0.0.0.0:8080" when the port was given.
      printListing(opts, ports.map(portMappingJson), ports.map((p) => `${portText === undefined ? `${p.containerPort}/${p.protocol} -> ` : ''}${p.hostIp}:${p.hostPort}`), { quiet: (p) => `${p.containerPort}/${p.protocol}`, fields: LISTING_FIELDS.portMapping });
    });

  withGlobals(port.command('publish'))
    .description('publish ports of a guest attached to a tsnet network')
    .argument('<guest>', 'netns name, PID, pid:N or netns path')
    .option('-p <spec>', '[HOSTIP:][HOSTPORT[-END]:]CTRPORT[-END][/tcp|udp|sctp] (repeatable)', collect)
    .option('-i <ctrif>', 'the guest interface, when it is on several networks')
    .option('--dry-run', 'run every check and name the host ports it would take; change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet port publish web -p 8080:80\n  tsnet port publish dns -p 127.0.0.1::53/udp -p 8000-8010:8000-8010\n  tsnet port publish web -p 80 --dry-run   # which host port it takes')
    .action(async (guestText: string, _o: PortOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<PortOpts>();
      const ref = load.grammar().parseGuest(guestText);
      if (opts.dryRun) {
        const p = await withContext(opts, (ctx) => load.ports().publishPorts(ctx, ref, opts.p ?? [], { ctrIf: opts.i, dryRun: true }));
        printResult(opts, portsPlanJson(p), [`would publish for ${p.guest} ${p.interface} (${p.containerIp ?? '-'} on network ${p.network}):`, ...planLines(p)]);
        return;
      }
      const ports = await withContext(opts, (ctx) => load.ports().publishPorts(ctx, ref, opts.p ?? [], { ctrIf: opts.i }));
      printResult(opts, ports.map(portMappingJson), rows(ports));
    });

  withListingOptions(withGlobals(port.command('ls')), { quiet: 'only guest names (each once)' })
    .description('list published ports')
    .addHelpText('after', "\nExamples:\n  tsnet port ls --json\n  tsnet port ls --format '{{.Guest}} {{.HostPort}}/{{.Protocol}}'")
    .action(async (_o: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      checkListing(opts, LISTING_FIELDS.portMapping);
      const ports = await withContext(opts, (ctx) => load.ports().listPorts(ctx));
      printListing(opts, ports.map(portMappingJson), () => rows(ports), { quiet: 'guest', fields: LISTING_FIELDS.portMapping });
    });

  withGlobals(port.command('unpublish'))
    .description("remove a guest's published ports (all, or the given host ports)")
    .argument('<guest>', 'netns name, PID, pid:N or netns path')
    .argument('[hostports...]', 'host ports, e.g. 8080 or 5353/udp')
    .option('-i <ctrif>', 'the guest interface, when it is on several networks')
    .option('--dry-run', 'run every check and name the mappings it would remove; change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet port unpublish web 8080\n  tsnet port unpublish web --dry-run')
    .action(async (guestText: string, hostPorts: string[], _o: PortOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<PortOpts>();
      const ref = load.grammar().parseGuest(guestText);
      if (opts.dryRun) {
        const p = await withContext(opts, (ctx) => load.ports().unpublishPorts(ctx, ref, hostPorts, { ctrIf: opts.i, dryRun: true }));
        printResult(opts, portsPlanJson(p), p.ports.length === 0 ? 'nothing published there; nothing to do' : [`would unpublish for ${p.guest} ${p.interface} (network ${p.network}):`, ...planLines(p)]);
        return;
      }
      const gone = await withContext(opts, (ctx) => load.ports().unpublishPorts(ctx, ref, hostPorts, { ctrIf: opts.i }));
      printResult(opts, gone.map(portMappingJson), gone.length ? gone.map((p) => `unpublished ${p.hostIp}:${p.hostPort}/${p.protocol}`) : 'nothing published there');
    });
}
