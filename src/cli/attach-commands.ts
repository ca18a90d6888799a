/**
 * attach-commands — `attach`, `detach`, `route`, `rule`, `tc`: pipework's verbs.
 */
import type { Command } from 'commander';
import { load } from './load.js';
import { withContext } from './with-context.js';
import type { EngineContext } from '../engine/context.js';
import type { GuestRef } from '../netns/guest-ref.js';
import { invalid } from '../core/errors.js';
import { withGlobals } from './globals.js';
import { printResult, printWarnings, type GlobalOpts } from './output.js';
import { attachJson, detachJson, planLines } from './attach-json.js';
import { splitPassthrough } from './passthrough.js';
import { setDebug } from '../core/log.js';

interface AttachOpts extends GlobalOpts {
  i?: string; l?: string; a?: string; directPhys?: boolean; wait?: boolean; timeout?: string; dryRun?: boolean;
}

/** refreshContainerEtc — the runtime's refresh, loaded only when the guest is a container of this root. */
async function refreshContainerEtc(ctx: EngineContext, guest: GuestRef): Promise<string[]> {
  const named = guest.kind === 'container' || (guest.kind === 'netns' && !guest.explicit) ? guest.name : undefined;
  const c = named === undefined ? undefined : ctx.containers.byName(named);
  return c ? load.etcWriter().refreshEtcFiles(ctx, c) : [];
}

export function registerAttachCommands(program: Command): void {
  withGlobals(program.command('attach'))
    .usage('[options] HOSTIF GUEST IPSPEC [MAC][@VLAN] | NETWORK GUEST')
    .description('add an interface to a guest (pipework grammar)')
    .argument('[args...]', 'HOSTIF GUEST IPSPEC [MAC][@VLAN]')
    .option('-i <ctrif>', 'interface name inside the guest', 'eth1')
    .option('-l <hostif>', 'host-side interface name (default: derived, tsn...)')
    .option('-a <family>', 'address family of IPSPEC: 4 or 6')
    .option('--direct-phys', 'move HOSTIF itself into the guest instead of a macvlan')
    .option('--wait', 'run inside a container: wait until CTRIF is up')
    .option('--timeout <seconds>', 'with --wait: give up after this long (default: wait forever)')
    .option('--dry-run', 'print the plan, change nothing')
    .addHelpText('after', `
HOSTIF  a bridge (created when missing if named br*), a NIC (then a macvlan),
        mac:<MAC>, or a tsnet network (then IPSPEC may be left out: the next
        free address is taken)
GUEST   a netns name, a PID or pid:N, or a netns path (/proc/N/ns/net)
IPSPEC  ip/len[,ip/len...][@gateway] | 0/0 (no address) | dhcp[:OPTS]
        (lease kept by the keeper; OPTS: -f,timeout=S,hostname=NAME,
        client-id=TEXT,request=N+N, or udhcpc arguments). pipework's
        udhcpc[-f], dhclient[-f], dhcpcd[-f] [:ARGS] get the same built-in
        client (no program needed, the lease is always kept); ARGS such as
        -x hostname:NAME, -h NAME, -T S are read, others refused
MAC     aa:bb:cc:dd:ee:ff or U:<string> (pipework's stable MAC from a
        string); @VLAN as 1-4094

Examples:
  tsnet attach br0 web 192.168.115.10/24@192.168.115.2
  tsnet attach -i eth2 br1 pid:4242 10.1.0.5/24,fd00:1::5/64 U:web-1
  tsnet attach -a 6 br0 web fd00::10/64@fd00::1
  tsnet attach eth0 web 192.168.1.50/24@192.168.1.1   # macvlan on eth0
  tsnet attach lab web                 # next free address of network lab
  tsnet attach br0 web dhcp:hostname=web,timeout=10   # renewed until detach
  tsnet attach br0 web udhcpc-f        # pipework's form, same client
  tsnet attach --wait -i eth1          # inside the container`)
    .action(async (args: string[], _opts: AttachOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AttachOpts>();
      if (opts.wait) {
        if (args.length > 0) throw invalid('--wait takes no positional arguments; run it inside the container: tsnet attach --wait [-i IF]');
        const timeoutMs = opts.timeout === undefined ? 0 : parseSeconds(opts.timeout);
        const { waitForInterface } = load.guestCommands();
        await withContext(opts, (ctx) => waitForInterface(ctx, opts.i ?? 'eth1', timeoutMs));
        printResult(opts, { ready: opts.i ?? 'eth1' }, `${opts.i ?? 'eth1'} is up`);
        return;
      }
      if (args.length < 2 || args.length > 4) {
        throw invalid(`attach needs HOSTIF GUEST [IPSPEC [MAC][@VLAN]]; got ${args.length} argument(s)`);
      }
      const { parseAttach } = load.grammar();
      const req = parseAttach({
        hostIf: args[0]!, guest: args[1]!, ipSpec: args[2]!, macVlan: args[3],
        ctrIf: opts.i, hostSideName: opts.l, family: opts.a, directPhys: opts.directPhys,
      });
      const { attachCreatingDefault } = load.defaultNetwork();
      const dryRun = opts.dryRun ?? false;
      const [result, json] = await withContext(opts, async (ctx) => {
        const r = await attachCreatingDefault(ctx, req, { dryRun });
        // A container's /etc files follow what it was given (its address, a DHCP lease's DNS).
        const warnings = dryRun ? [] : await refreshContainerEtc(ctx, req.guest);
        printWarnings(warnings);
        return [r, await attachJson(ctx, { ...r, warnings }, dryRun, args[1]!, req.ctrIf)] as const;
      });
      printResult(opts, json, result.plan ? planLines(result.plan) : result.message);
    });

  withGlobals(program.command('detach'))
    .description('remove what attach made (all interfaces of GUEST, or just -i CTRIF)')
    .argument('<guest>', 'netns name, PID, pid:N or netns path')
    .option('-i <ctrif>', 'only this interface')
    .option('--dry-run', 'show what would be removed, change nothing')
    .addHelpText('after', '\nExamples:\n  tsnet detach web\n  tsnet detach pid:4242 -i eth2 --dry-run')
    .action(async (guestText: string, _opts: AttachOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AttachOpts>();
      const { parseGuest } = load.grammar();
      const { validateIfName } = load.names();
      const ref = parseGuest(guestText);
      const ctrIf = opts.i === undefined ? undefined : validateIfName(opts.i, 'container interface (-i)');
      const { detach } = load.detach();
      const dryRun = opts.dryRun ?? false;
      const [result, json] = await withContext(opts, async (ctx) => {
        const r = await detach(ctx, ref, ctrIf, { dryRun });
        if (!dryRun) r.warnings.push(...await refreshContainerEtc(ctx, ref));
        return [r, await detachJson(ctx, r, dryRun)] as const;
      });
      printWarnings(result.warnings);
      printResult(opts, json, result.message);
    });

  for (const tool of ['route', 'rule', 'tc'] as const) {
    const example = tool === 'tc' ? 'tsnet tc web qdisc add dev eth1 root tbf rate 10mbit burst 32kbit latency 50ms'
      : tool === 'route' ? 'tsnet route web add 10.9.0.0/16 via 192.168.115.2' : 'tsnet rule web add from 10.1.0.5 table 100';
    withGlobals(program.command(tool))
      .description(`run ${tool === 'tc' ? 'tc' : `ip ${tool}`} inside the guest's network namespace`)
      .argument('<guest>', 'netns name, PID, pid:N or netns path')
      .argument('[args...]', `arguments for ${tool === 'tc' ? 'tc' : `ip ${tool}`} (none: ${tool === 'tc' ? 'tc qdisc show' : `ip ${tool} show`})`)
      .option('--dry-run', 'print the command instead of running it')
      .allowUnknownOption()
      .passThroughOptions()
      .addHelpText('after', `\nExample:\n  ${example}`)
      .action(async (guestText: string, rest: string[], _opts: GlobalOpts, cmd: Command) => {
        const { args, own } = splitPassthrough(rest);
        if (own.debug) setDebug(true);
        const opts = { ...cmd.optsWithGlobals<GlobalOpts & { dryRun?: boolean }>(), ...own };
        const { parseGuest } = load.grammar();
        const { runInGuest } = load.guestCommands();
        const r = await withContext(opts, (ctx) => runInGuest(parseGuest(guestText), tool, args, { dryRun: opts.dryRun, containers: ctx.containerLookup }));
        printResult(opts, { stdout: r.stdout }, r.stdout.trimEnd() ? r.stdout.trimEnd() : []);
      });
  }
}

function parseSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw invalid(`--timeout "${text}" must be a number of seconds`);
  return n * 1000;
}
