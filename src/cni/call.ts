/**
 * call — one plugin invocation as the command implementations see it: the parsed
 * environment and config, the raw stdin (delegated plugins get it unchanged), the process
 * environment to hand them, and where logs go.
 */
import type { CniConfig } from './config.js';
import type { CniEnv } from './env.js';

export interface CniCall {
  env: CniEnv;
  conf: CniConfig;
  stdin: string;
  procEnv: NodeJS.ProcessEnv;
  stderr: NodeJS.WritableStream;
}

/** ownerOfCall — the runtime's name for the attachment this call is about. */
export function ownerOfCall(call: CniCall): { network: string; containerId: string; ifname: string } {
  return { network: call.conf.network, containerId: call.env.containerId, ifname: call.env.ifname };
}

/** intentData — what a resolver needs to undo or finish the call without the runtime (tsnet gc). */
export function intentData(call: CniCall, what: string): Record<string, unknown> {
  const o = ownerOfCall(call);
  const env: Record<string, string> = {};
  for (const k of ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH', 'CNI_ARGS']) {
    const v = call.procEnv[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    label: `CNI ${what} of ${o.containerId.slice(0, 12)} ${o.ifname} on ${o.network}`, ...o,
    ...(call.conf.ipam.kind === 'delegate' ? { ipam: call.conf.ipam.type, stdin: call.stdin, env } : {}),
  };
}
