/**
 * bandwidth — the `bandwidth` capability (CONVENTIONS.md: rates in bits/s, bursts in bits)
 * as token buckets: traffic into the container is shaped where it leaves the host (the
 * host end of the veth), traffic out of it where it leaves the container (its interface,
 * inside CNI_NETNS). No ifb device is needed. Both qdiscs die with the veth.
 */
import { run } from '../core/exec.js';
import type { BandwidthArg } from './config.js';

/** tbfLine — a tc-batch line: rate in bit/s, burst in bytes (at least two full frames). */
export function tbfLine(dev: string, rateBits: number, burstBits: number): string {
  const burst = Math.max(Math.ceil(burstBits / 8), 3200);
  return `qdisc replace dev ${dev} root tbf rate ${rateBits}bit burst ${burst} latency 25ms`;
}

export async function applyBandwidth(hostIf: string, ifname: string, netnsPath: string, bw: BandwidthArg): Promise<void> {
  if (bw.ingressRate) await run(['tc', '-batch', '-'], { input: `${tbfLine(hostIf, bw.ingressRate, bw.ingressBurst ?? 0)}\n` });
  if (bw.egressRate) await run(['nsenter', `--net=${netnsPath}`, '--', 'tc', '-batch', '-'], { input: `${tbfLine(ifname, bw.egressRate, bw.egressBurst ?? 0)}\n` });
}
