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

export async function runInGuest(ref: GuestRef, tool: GuestTool, args: string[], opts: { dryRun?: boolean; containers?: ContainerLookup | undefined } = {}): Promise<ExecResult> {
  if (tool !== 'tc' && args.length === 0) throw invalid(`tsnet ${tool} needs arguments for ip ${tool}, e.g. add 10.0.0.0/8 via 192.168.1.1`);
  if (tool === 'tc' && args.length === 0) throw invalid('tsnet tc needs arguments for tc, e.g. qdisc add dev eth1 root tbf rate 1mbit burst 32kbit latency 400ms');
  const guest = resolveGuest(ref, opts.containers);
  try {
    const argv = [...TOOL_ARGV[tool], ...args];
    if (opts.dryRun) return { argv, code: 0, stdout: `would run in ${guest.name}: ${argv.join(' ')}\n`, stderr: '' };
    return await run(['nsenter', `--net=${guest.path}`, '--', ...argv]);
  } finally {
    guest.close();
  }
}

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
