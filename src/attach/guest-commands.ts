/**
 * guest-commands — pipework's `route`, `rule` and `tc` passthroughs, and `attach --wait`.
 * The passthroughs run the real tool inside the guest's netns (through the fd resolved
 * once, never a PID looked up twice); arguments go through as argv, never a shell.
 */
import { TsnetError, invalid } from '../core/errors.js';
import { run, type ExecResult } from '../core/exec.js';
import { validateIfName } from '../core/names.js';
import { resolveGuest, type ContainerLookup } from '../netns/guest.js';
import type { EngineContext } from '../engine/context.js';
import type { GuestRef } from '../netns/guest-ref.js';

export type GuestTool = 'route' | 'rule' | 'tc';

const TOOL_ARGV: Record<GuestTool, string[]> = {
  route: ['ip', 'route'],
  rule: ['ip', 'rule'],
  tc: ['tc'],
};

/** What each tool lists when given no arguments. */
const LIST_ARGS: Record<GuestTool, string[]> = { route: ['show'], rule: ['show'], tc: ['qdisc', 'show'] };

export async function runInGuest(ref: GuestRef, tool: GuestTool, args: string[], opts: { dryRun?: boolean; containers?: ContainerLookup | undefined } = {}): Promise<ExecResult> {
  const guest = resolveGuest(ref, opts.containers);
  try {
    const argv = toolArgv(tool, args.length === 0 ? LIST_ARGS[tool] : args);
    if (opts.dryRun) return { argv, code: 0, stdout: `would run in ${guest.name}: ${argv.join(' ')}\n`, stderr: '' };
    const r = await run(['nsenter', `--net=${guest.path}`, '--', ...argv], { allowFailure: true });
    if (r.code !== 0) throw toolError(argv, guest.name, r.stderr, r.code);
    return r;
  } finally {
    guest.close();
  }
}

/** toolArgv — `-4`/`-6` given after the object move before it (`ip -6 route ...`), where ip takes them. */
export function toolArgv(tool: GuestTool, args: string[]): string[] {
  const family = tool !== 'tc' ? args.filter((a) => a === '-4' || a === '-6') : [];
  const rest = tool !== 'tc' ? args.filter((a) => a !== '-4' && a !== '-6') : args;
  const [bin, ...object] = TOOL_ARGV[tool];
  return [bin!, ...family, ...object, ...rest];
}

/**
 * toolError — ip's or tc's failure as one line: the tool's own message (tc prints its usage
 * after it; the nsenter wrapper is not mentioned), classed as bad input when the tool
 * rejected the words and as a kernel refusal when the kernel did.
 */
export function toolError(argv: readonly string[], guest: string, stderr: string, code: number): TsnetError {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const kernel = lines.find((l) => /^RTNETLINK answers:|talking to the kernel/.test(l));
  const why = kernel ?? lines.find((l) => !/^(Usage|Where|\s)/.test(l) && !/^[A-Z_]+ :?=/.test(l)) ?? `exit status ${code}`;
  const syntax = !kernel && SYNTAX.some((re) => re.test(why));
  const cmd = argv.slice(0, argv[0] === 'tc' ? 2 : argv[1]?.startsWith('-') ? 3 : 2).join(' ');
  return new TsnetError(syntax ? 'EINVAL' : 'EKERNEL', `${cmd} in ${guest}: ${why.replace(/^Error: /, '')}`, { argv, stderr });
}

/** How iproute2 words a rejected command line (as opposed to a kernel refusal). */
const SYNTAX = [/is a garbage/, /is expected rather than/, /Command line is not complete/, /^Unknown command/i, /^What is/, /Try "?.* help"?/,
  /argument ".*" is wrong/, /Option ".*" is unknown/, /^Error: ".*" is not/, /[Ii]nvalid argument "/, /duplicate/, /[Pp]arse error/, /Illegal "/, /^Object ".*" is unknown/];

/**
 * waitForInterface — run inside a container: resolves once ctrIf exists and has carrier
 * (pipework --wait). Attach adds addresses before bringing the link up, so carrier means
 * the interface is fully configured.
 */
export async function waitForInterface(ctx: EngineContext, ctrIf: string, timeoutMs: number): Promise<void> {
  validateIfName(ctrIf, 'interface (-i)');
  const links = await ctx.hostLinks();
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  for (;;) {
    const link = await links.getLink(ctrIf);
    if (link?.up && link.carrier) return;
    if (Date.now() > deadline) throw new TsnetError('ETIMEOUT', `interface ${ctrIf} did not come up within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
