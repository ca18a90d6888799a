/**
 * network-commands — `tsnet network create|ls|inspect|rm`: bridge networks with subnets that
 * collide with nothing on the host.
 */
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { load } from './load.js';
import { withContext } from './with-context.js';
import { printResult, table, type GlobalOpts } from './output.js';
import type { NetworkRecord } from '../state/networks.js';

interface CreateOpts extends GlobalOpts {
  subnet?: string; gateway?: string; ipRange?: string; bridge?: string; mtu?: string; dryRun?: boolean;
  internal?: boolean; ipMasq?: string;
  dhcpServer?: boolean; dhcpRange?: string; lease?: string; dhcpDns?: string[]; dhcpHost?: string[];
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').filter(Boolean)];

function rows(networks: NetworkRecord[]): string[] {
  return table(['NAME', 'BRIDGE', 'SUBNET', 'GATEWAY', 'IP-RANGE', 'MTU'],
    networks.map((n) => [n.name, n.bridge, n.subnet, n.gateway, n.ipRange ?? '-', String(n.mtu)]));
}

interface InitOpts extends GlobalOpts {
  bip?: string; b?: string; fixedCidr?: string; mtu?: string; iptables?: string; icc?: string; ipMasq?: string; ipForward?: string;
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
    .option('--iptables <bool>', 'install firewall rules (true|false)', 'true')
    .option('--icc <bool>', 'allow traffic between containers on tsnet0 (true|false)', 'true')
    .option('--ip-masq <bool>', 'MASQUERADE traffic leaving tsnet0 (true|false)', 'true')
    .option('--ip-forward <bool>', 'turn on net.ipv4.ip_forward (true|false)', 'true')
    .addHelpText('after', '\nExamples:\n  tsnet init\n  tsnet init --bip 172.30.0.1/16 --fixed-cidr 172.30.5.0/24\n  tsnet attach tsnet0 web')
    .action(async (_o: InitOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<InitOpts>();
      const init = {
        bip: opts.bip, bridge: opts.b, fixedCidr: opts.fixedCidr, mtu: parseMtu(opts.mtu),
        iptables: parseBool(opts.iptables ?? 'true', '--iptables'), icc: parseBool(opts.icc ?? 'true', '--icc'),
        ipMasq: parseBool(opts.ipMasq ?? 'true', '--ip-masq'), ipForward: parseBool(opts.ipForward ?? 'true', '--ip-forward'),
      };
      const { initDefaultNetwork, validateInit } = load.defaultNetwork();
      validateInit(init);
      const r = await withContext(opts, (ctx) => initDefaultNetwork(ctx, init));
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
    .option('--bridge <ifname>', 'bridge interface to use or create (default: br-<hash>)')
    .option('--mtu <n>', 'MTU (default: that of the default route\'s interface)')
    .option('--internal', 'no traffic in or out of the network, only between its members')
    .option('--ip-masq <bool>', 'MASQUERADE traffic leaving the network (true|false)', 'true')
    .option('--dhcp-server', "run tsnet's DHCP server on the bridge (leases in state, kept by the lease keeper)")
    .option('--dhcp-range <first-last>', 'with --dhcp-server: addresses to hand out (default: the upper half of the subnet)')
    .option('--lease <duration>', 'with --dhcp-server: lease time, e.g. 90s, 30m, 1h (default 1h)')
    .option('--dhcp-dns <ip>', 'with --dhcp-server: DNS server to announce (repeatable)', collect)
    .option('--dhcp-host <mac=ip>', 'with --dhcp-server: always give this MAC this address (repeatable)', collect)
    .option('--dry-run', 'print the plan, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet network create lab\n  tsnet network create dl --subnet 10.50.0.0/24 --dhcp-server --dhcp-range 10.50.0.100-10.50.0.199 --lease 1h\n  tsnet network create db --subnet 10.77.0.0/24 --ip-range 10.77.0.128/25\n  tsnet attach lab web')
    .action(async (name: string, _o: CreateOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<CreateOpts>();
      const mtu = parseMtu(opts.mtu);
      const { createNetwork } = load.network();
      const r = await withContext(opts, (ctx) => createNetwork(ctx, {
        name, subnet: opts.subnet, gateway: opts.gateway, ipRange: opts.ipRange, bridge: opts.bridge, mtu,
        internal: opts.internal ?? false, ipMasq: parseBool(opts.ipMasq ?? 'true', '--ip-masq'),
        dhcpServer: dhcpServerSpec(opts),
      }, { dryRun: opts.dryRun }));
      if (r.plan) printResult(opts, r, ['plan:', ...r.plan]);
      else printResult(opts, r.network, `created network ${name}: ${r.network!.subnet} on ${r.network!.bridge}, gateway ${r.network!.gateway}`);
    });

  withGlobals(network.command('ls'))
    .description('list networks')
    .addHelpText('after', '\nExample:\n  tsnet network ls --json')
    .action(async (_o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const all = await withContext(opts, (ctx) => ctx.networks.all());
      printResult(opts, all, rows(all));
    });

  withGlobals(network.command('inspect'))
    .description('show one network and what is attached to it')
    .argument('<name>', 'network name')
    .addHelpText('after', '\nExample:\n  tsnet network inspect lab --json')
    .action(async (name: string, _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const { inspectNetwork } = load.network();
      const r = await withContext(opts, (ctx) => inspectNetwork(ctx, name));
      const leases = (r.dhcpLeases ?? []).map((l) => `dhcp ${l.state} ${l.ip} ${l.mac}${l.hostname ? ` ${l.hostname}` : ''} until ${new Date(l.expiresAt).toISOString()}`);
      printResult(opts, r, [...rows([r.network]), '', ...r.attachments.map((a) => `${a.guest} ${a.interface} ${a.addresses.join(',')}`), ...leases]);
    });

  withGlobals(network.command('rm'))
    .description('remove networks (refused while anything is attached)')
    .argument('<names...>', 'network names')
    .addHelpText('after', '\nExample:\n  tsnet network rm lab')
    .action(async (names: string[], _o: GlobalOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOpts>();
      const { removeNetwork } = load.network();
      const removed = await withContext(opts, async (ctx) => {
        const out: NetworkRecord[] = [];
        for (const n of names) out.push(await removeNetwork(ctx, n));
        return out;
      });
      printResult(opts, removed, removed.map((n) => `removed network ${n.name}`));
    });
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
