/**
 * network-commands — `tsnet init` and `tsnet network create|ls|inspect|rm|connect|disconnect`:
 * bridge networks with subnets that collide with nothing on the host.
 */
import type { Command } from 'commander';
import { invalid, TsnetError, type ErrorCode } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { forEachArgument } from './multi.js';
import { load } from './load.js';
import { withContext } from './with-context.js';
import { printResult, printWarnings, setExitStatus, table, type GlobalOpts } from './output.js';
import { checkListing, printListing, withListingOptions, type ListingOpts } from './listing.js';
import { LISTING_FIELDS } from './listing-fields.js';
import type { PlannedNetwork } from '../network/network.js';
import type { NetworkView } from '../network/network-view.js';
import { attachJson, detachJson, planLines, type ConnectResult } from './attach-json.js';
import type { InitResultJson, NetworkJson, NetworkPlanJson, NetworkPruneJson, NetworkRemovalJson } from './json-schema.js';
import type { EngineContext } from '../engine/context.js';
import type { GuestRef } from '../netns/guest-ref.js';

interface CreateOpts extends GlobalOpts {
  subnet?: string; gateway?: string; ipRange?: string; bridge?: string; mtu?: string; dryRun?: boolean;
  internal?: boolean; ipMasq?: string; icc?: string; b?: string; ipv6?: boolean; subnet6?: string; gateway6?: string;
  dhcpServer?: boolean; dhcpRange?: string; lease?: string; dhcpDns?: string[]; dhcpHost?: string[];
}

interface ConnectOpts extends GlobalOpts {
  ip?: string; i?: string; dryRun?: boolean;
  alias: string[];
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').filter(Boolean)];

function rows(networks: NetworkView[]): string[] {
  return table(['NAME', 'BRIDGE', 'SUBNET', 'GATEWAY', 'IP-RANGE', 'IPV6', 'MTU'],
    networks.map((n) => [n.name, n.bridge, n.subnet, n.gateway, n.ipRange ?? '-', n.subnet6 ?? '-', String(n.mtu)]));
}

/** inspectLines — one network for people: its row, the settings that decide its traffic, members, DHCP server and leases. */
function inspectLines(n: NetworkView): string[] {
  const s = n.dhcpServer;
  return [
    ...rows([n]),
    `internal ${n.internal}, icc ${n.icc}, ip-masq ${n.ipMasq}, firewall rules ${n.firewall}, bridge ${n.bridgeCreated ? 'made by tsnet' : 'existing'}, created ${n.createdAt}`,
    s ? `dhcp server: ${s.rangeStart}-${s.rangeEnd}, lease ${s.leaseSeconds}s, routers ${s.routers.join(',') || '-'}, dns ${s.dns.join(',') || '-'}${s.reservations.length ? `, reserved ${s.reservations.map((r) => `${r.mac}=${r.ip}`).join(',')}` : ''}` : 'dhcp server: none',
    '',
    ...n.members.map((a) => `${a.guest} ${a.interface} ${a.addresses.join(',')}`),
    ...(s?.leases ?? []).map((l) => `dhcp ${l.state} ${l.ip} ${l.mac}${l.hostname ? ` ${l.hostname}` : ''} until ${l.expiresAt}`),
  ];
}

interface InitOpts extends GlobalOpts {
  dryRun?: boolean; bip?: string; b?: string; fixedCidr?: string; mtu?: string; iptables?: string; icc?: string; ipMasq?: string; ipForward?: string;
}

function parseMtu(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw invalid(`MTU "${text}" must be a number from 68 to 65535`);
  return Number(text);
}

export function registerNetworkCommands(program: Command): void {
  withGlobals(program.command('init'))
    .description('create the default network tsnet0 (like the Docker daemon creates docker0)')
    .option('--bip <cidr>', 'bridge address and subnet, e.g. 172.30.0.1/16 (default: a free block, .1)')
    .option('-b <bridge>', 'use this existing bridge and its address instead of creating tsnet0')
    .option('--fixed-cidr <cidr>', 'give containers addresses from this part of the subnet only')
    .option('--mtu <n>', "MTU (default: that of the default route's interface, else 1500)")
    .option('--iptables <bool>', 'install firewall rules (true|false, default true)')
    .option('--icc <bool>', 'allow traffic between containers on tsnet0 (true|false, default true)')
    .option('--ip-masq <bool>', 'MASQUERADE traffic leaving tsnet0 (true|false, default true)')
    .option('--ip-forward <bool>', 'turn on net.ipv4.ip_forward (true|false, default true)')
    .option('--dry-run', 'run every check and name the subnet, gateway, bridge and MTU it would choose; change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet init\n  tsnet init --dry-run     # the subnet, gateway, bridge and MTU it would choose\n  tsnet init --bip 172.30.0.1/16 --fixed-cidr 172.30.5.0/24\n  tsnet attach tsnet0 web')
    .action(async (_o: InitOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<InitOpts>();
      const init = {
        bip: opts.bip, bridge: opts.b, fixedCidr: opts.fixedCidr, mtu: parseMtu(opts.mtu),
        // Unset stays undefined: a second init without the option is not a different request.
        iptables: optBool(opts.iptables, '--iptables'), icc: optBool(opts.icc, '--icc'),
        ipMasq: optBool(opts.ipMasq, '--ip-masq'), ipForward: optBool(opts.ipForward, '--ip-forward'),
      };
      const { initDefaultNetwork, planDefaultNetwork, validateInit } = load.defaultNetwork();
      validateInit(init);
      if (opts.dryRun) {
        const p = await withContext(opts, (ctx) => planDefaultNetwork(ctx, init));
        printResult(opts, p.planned satisfies NetworkPlanJson, p.created ? plannedLines(p.planned) : [`already there: ${p.planned.name}: ${p.planned.subnet} on ${p.planned.bridge}, gateway ${p.planned.gateway}, mtu ${p.planned.mtu}; nothing to do`]);
        return;
      }
      const r = await withContext(opts, async (ctx) => {
        const done = await initDefaultNetwork(ctx, init);
        return { created: done.created, network: load.networkView().networkViews(ctx, [done.network.name])[0]! } satisfies InitResultJson;
      });
      const n = r.network;
      printResult(opts, r, `${r.created ? 'created' : 'already there:'} ${n.name}: ${n.subnet} on ${n.bridge}, gateway ${n.gateway}`);
    });

  const network = withGlobals(program.command('network')).description('bridge networks: create, list, inspect, remove');

  withGlobals(network.command('create'))
    .description('create a bridge network on a subnet that collides with no host route, address or network')
    .argument('<name>', 'network name')
    .option('--subnet <cidr>', 'subnet, or "auto" for the lowest free block of the local pools', 'auto')
    .option('--gateway <ip>', 'gateway address on the bridge (default: first address of the subnet)')
    .option('--ip-range <cidr>', 'allocate container addresses from this part of the subnet')
    .option('--ipv6', 'dual stack: an IPv6 subnet as well (default: a free /64 of this host\'s unique local /48)')
    .option('--subnet6 <cidr>', 'the IPv6 subnet (with --ipv6)')
    .option('--gateway6 <ip>', 'the IPv6 gateway on the bridge (default: the subnet\'s first address)')
    .option('--bridge <ifname>', 'bridge interface to use or create (default: br-<hash>)')
    .option('-b <bridge>', 'use this existing bridge; its IPv4 address gives subnet and gateway unless --subnet is given')
    .option('--mtu <n>', 'MTU (default: that of the default route\'s interface)')
    .option('--internal', 'no traffic in or out of the network, only between its members')
    .option('--icc <bool>', 'allow traffic between members (true|false); false isolates their bridge ports', 'true')
    .option('--ip-masq <bool>', 'MASQUERADE traffic leaving the network (true|false)', 'true')
    .option('--dhcp-server', "run tsnet's DHCP server on the bridge (leases in state, kept by the lease keeper)")
    .option('--dhcp-range <first-last>', 'with --dhcp-server: addresses to hand out (default: the upper half of the subnet)')
    .option('--lease <duration>', 'with --dhcp-server: lease time, e.g. 90s, 30m, 1h (default 1h)')
    .option('--dhcp-dns <ip>', 'with --dhcp-server: DNS server to announce (repeatable)', collect)
    .option('--dhcp-host <mac=ip>', 'with --dhcp-server: always give this MAC this address (repeatable)', collect)
    .option('--dry-run', 'run every check and name the subnet, gateway, bridge and MTU it would choose; change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet network create lab\n  tsnet network create lab --dry-run   # the subnet it would pick\n  tsnet network create dl --subnet 10.50.0.0/24 --dhcp-server \\\n      --dhcp-range 10.50.0.100-10.50.0.199 --lease 1h\n  tsnet network create db --subnet 10.77.0.0/24 --ip-range 10.77.0.128/25\n  tsnet network create v6lab --ipv6 --subnet6 fd10:77::/64\n  tsnet attach lab web')
    .action(async (name: string, _o: CreateOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<CreateOpts>();
      const mtu = parseMtu(opts.mtu);
      if (opts.b !== undefined && opts.bridge !== undefined) throw invalid('give either --bridge (use or create) or -b (must exist), not both');
      const existing = opts.b !== undefined;
      const { createNetwork } = load.network();
      const r = await withContext(opts, async (ctx) => {
        const made = await createNetwork(ctx, {
        name, subnet: existing && cmd.getOptionValueSource('subnet') === 'default' ? undefined : opts.subnet,
        gateway: opts.gateway, ipRange: opts.ipRange, ipv6: opts.ipv6, subnet6: opts.subnet6, gateway6: opts.gateway6, bridge: opts.b ?? opts.bridge, existingBridge: existing, mtu,
        internal: opts.internal ?? false, ipMasq: parseBool(opts.ipMasq ?? 'true', '--ip-masq'), icc: parseBool(opts.icc ?? 'true', '--icc'),
        dhcpServer: dhcpServerSpec(opts),
        }, { dryRun: opts.dryRun });
        return { ...made, view: made.network ? load.networkView().networkViews(ctx, [made.network.name])[0]! satisfies NetworkJson : undefined };
      });
      if (r.planned) printResult(opts, r.planned satisfies NetworkPlanJson, plannedLines(r.planned));
      else {
        const n = r.view!;
        printResult(opts, n, `created network ${name}: ${n.subnet}${n.subnet6 ? ` and ${n.subnet6}` : ''} on ${n.bridge}, gateway ${n.gateway}${n.gateway6 ? ` and ${n.gateway6}` : ''}`);
      }
    });

  withListingOptions(withGlobals(network.command('ls')), { quiet: 'only network names' })
    .description('list networks')
    .addHelpText('after', "\nExamples:\n  tsnet network ls --json\n  tsnet network ls -q\n  tsnet network ls --format '{{.Name}}\\t{{.Subnet}}'")
    .action(async (_o: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      checkListing(opts, LISTING_FIELDS.network);
      const all = await withContext(opts, (ctx) => load.networkView().networkViews(ctx));
      printListing(opts, all satisfies NetworkJson[], () => rows(all), { quiet: 'name', fields: LISTING_FIELDS.network });
    });

  withListingOptions(withGlobals(network.command('inspect')), { inspect: true })
    .description('show networks: settings (internal, icc, ip-masq, DHCP server), members and leases')
    .argument('<names...>', 'network names')
    .addHelpText('after', "\nExamples:\n  tsnet network inspect lab\n  tsnet network inspect lab dl --json   # as network ls --json prints them\n  tsnet network inspect -f '{{.Subnet}} {{len .Members}}' lab")
    .action(async (names: string[], _o: ListingOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ListingOpts>();
      checkListing(opts, LISTING_FIELDS.network);
      const views = await withContext(opts, (ctx) => load.networkView().networkViews(ctx, names));
      printListing(opts, views satisfies NetworkJson[], () => views.flatMap((n, i) => [...(i ? [''] : []), ...inspectLines(n)]), { fields: LISTING_FIELDS.network });
    });

  withGlobals(network.command('connect'))
    .description('connect a guest to a network: an interface on its bridge, the next free address (or --ip), default route via its gateway')
    .argument('<network>', 'network name')
    .argument('<guest>', 'netns name, PID, pid:N or netns path')
    .option('--ip <address>', 'this address of the network instead of the next free one')
    .option('-i <ctrif>', 'interface name in the guest (default: the lowest free ethN)')
    .option('--alias <name>', 'a container: another name it answers to on this network (embedded DNS)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--dry-run', 'print the plan, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet network connect lab web\n  tsnet network connect --ip 10.77.0.9 -i eth2 db web')
    .action(async (name: string, guestText: string, _o: ConnectOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ConnectOpts>();
      const { parseGuest } = load.grammar();
      const { validateIfName } = load.names();
      const guest = parseGuest(guestText);
      const ctrIf = opts.i === undefined ? undefined : validateIfName(opts.i, 'container interface (-i)');
      const { connectNetwork } = load.connect();
      const dryRun = opts.dryRun ?? false;
      const [r, json] = await withContext(opts, async (ctx) => {
        // A container of this root: Docker's connect (remembered for its next starts, eth0..).
        const c = containerNamed(ctx, guest);
        const done: ConnectResult = c && !dryRun && ctrIf === undefined
          ? await load.containerConnect().connectContainer(ctx, c, { network: name, ip: opts.ip, aliases: opts.alias })
          : await connectNetwork(ctx, { network: name, guest, ip: opts.ip, ctrIf }, { dryRun });
        return [done, await attachJson(ctx, done, dryRun, guestText, ctrIf)] as const;
      });
      printWarnings('warnings' in r ? r.warnings : []);
      printResult(opts, json, 'plan' in r && r.plan ? planLines(r.plan) : r.message);
    });

  withGlobals(network.command('disconnect'))
    .description('disconnect a guest from a network (removes its interfaces on the network\'s bridge)')
    .argument('<network>', 'network name')
    .argument('<guest>', 'netns name, PID, pid:N or netns path')
    .option('--dry-run', 'show what would be removed, change nothing')
    .addHelpText('after', '\nExample:\n  tsnet network disconnect lab web')
    .action(async (name: string, guestText: string, _o: ConnectOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ConnectOpts>();
      const { parseGuest } = load.grammar();
      const { disconnectNetwork } = load.connect();
      const guest = parseGuest(guestText);
      const dryRun = opts.dryRun ?? false;
      const [r, json] = await withContext(opts, async (ctx) => {
        const c = containerNamed(ctx, guest);
        const done = c && !dryRun ? await load.containerConnect().disconnectContainer(ctx, c, name) : await disconnectNetwork(ctx, name, guest, { dryRun });
        return [done, await detachJson(ctx, done, dryRun)] as const;
      });
      printWarnings(r.warnings);
      printResult(opts, json, r.message);
    });

  withGlobals(network.command('rm'))
    .description('remove networks (refused while anything is attached)')
    .argument('<names...>', 'network names')
    .option('--dry-run', 'run every check and say what would be removed, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet network rm lab\n  tsnet network rm a2 a3   # tries both; exit status of the first failure')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { dryRun?: boolean }>();
      const { removeNetwork } = load.networkRemove();
      const dryRun = opts.dryRun ?? false;
      await withContext(opts, (ctx) => forEachArgument(opts, names, (n) => removeNetwork(ctx, n, { dryRun }),
        (_n, r) => (dryRun ? `would remove network ${r.name} (bridge ${r.bridge}, subnet ${r.subnet})` : `removed network ${r.name}`),
        (name, r, e): NetworkRemovalJson => ({
          name, removed: r !== undefined && !dryRun, dryRun, bridge: r?.bridge ?? null, subnet: r?.subnet ?? null, error: e?.error ?? null, code: e?.code ?? null,
        })));
    });

  withGlobals(network.command('prune'))
    .description('remove every network nothing uses (no guest attached, no container lists it); never tsnet0')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <key=value>', 'only networks created before a moment: until=24h, until=2026-12-01T00:00:00Z (repeatable)', collectRaw, [] as string[])
    .option('--dry-run', 'run every check and list what would be removed, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet network prune -f\n  tsnet network prune --filter until=24h --dry-run')
    .action(async (_o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts & { force?: boolean; filter: string[]; dryRun?: boolean }>();
      const filters = load.pruneFilter().parsePruneFilters(opts.filter, new Date());
      if (!opts.force && !opts.dryRun) {
        const yes = await confirm('WARNING! This will remove all custom networks not used by at least one guest or container.\nAre you sure you want to continue? [y/N] ');
        if (!yes) throw invalid('network prune was not confirmed; nothing removed (answer y, or give -f)');
      }
      const r = await withContext(opts, (ctx) => load.prune().pruneNetworks(ctx, filters, { dryRun: opts.dryRun }));
      for (const e of r.errors) if (!opts.json) process.stderr.write(`tsnet: error: ${e.error}\n`);
      const human = opts.dryRun
        ? [...(r.networksDeleted.length ? ['Would delete networks:', ...r.networksDeleted] : ['No network would be deleted.']), ...r.kept.map((k) => `would keep ${k.name}: ${k.reason}`)]
        : r.networksDeleted.length ? ['Deleted Networks:', ...r.networksDeleted] : [];
      printResult(opts, r satisfies NetworkPruneJson, human);
      if (r.errors.length > 0) setExitStatus(new TsnetError(r.errors[0]!.code as ErrorCode, r.errors[0]!.error).exitStatus);
    });
}

const collectRaw = (v: string, prev: string[] = []): string[] => [...prev, v];

/** confirm — docker's prompt: the question on stderr, yes only for y or yes on stdin's first line. */
async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  let line = '';
  for await (const chunk of process.stdin) {
    line += String(chunk);
    if (line.includes('\n')) break;
  }
  return /^\s*y(es)?\s*$/i.test(line.split('\n')[0] ?? '');
}

/** plannedLines — a network dry run for people: every chosen value, then the steps. */
function plannedLines(p: PlannedNetwork): string[] {
  const fw = !p.firewall ? 'no firewall rules' : `${p.firewallBackend} rules${p.internal ? ' (internal)' : ''}${p.ipMasq ? ', masquerade' : ''}${p.icc ? '' : ', no traffic between members'}`;
  return [
    `would create network ${p.name}: subnet ${p.subnet}, gateway ${p.gateway}, ${p.bridgeExists ? 'existing' : 'new'} bridge ${p.bridge}, mtu ${p.mtu}`,
    ...(p.subnet6 ? [`  IPv6 subnet ${p.subnet6}, gateway ${p.gateway6 ?? '-'}`] : []),
    ...(p.ipRange ? [`  addresses from ${p.ipRange}`] : []),
    `  ${fw}${p.ipForward ? ', forwarding on' : ''}`,
    ...(p.dhcpServer ? [`  DHCP server: ${p.dhcpServer.rangeStart}-${p.dhcpServer.rangeEnd}, leases of ${p.dhcpServer.leaseSeconds}s`] : []),
    'plan:',
    ...p.steps.map((st, i) => `${i + 1}. ${st.name}: ${st.description}`),
  ];
}

function optBool(text: string | undefined, what: string): boolean | undefined {
  return text === undefined ? undefined : parseBool(text, what);
}

function dhcpServerSpec(opts: CreateOpts): { range?: string; lease?: string; dns: string[]; hosts: string[] } | undefined {
  const used = [opts.dhcpRange && '--dhcp-range', opts.lease && '--lease', opts.dhcpDns && '--dhcp-dns', opts.dhcpHost && '--dhcp-host'].filter(Boolean);
  if (!opts.dhcpServer) {
    if (used.length > 0) throw invalid(`${used[0]} needs --dhcp-server`);
    return undefined;
  }
  return { range: opts.dhcpRange, lease: opts.lease, dns: opts.dhcpDns ?? [], hosts: opts.dhcpHost ?? [] };
}

function parseBool(text: string, flag: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw invalid(`${flag} "${text}" must be true or false`);
}

/** containerNamed — the name or id of a container of this root, when GUEST names one (not netns:NAME). */
function containerNamed(ctx: EngineContext, guest: GuestRef): string | undefined {
  if (guest.kind === 'container') return guest.name;
  if (guest.kind !== 'netns' || guest.explicit) return undefined;
  return ctx.containers.find(guest.name)?.id;
}
