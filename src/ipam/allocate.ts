/**
 * allocate — the next free address of a network: the lowest address of the allocation
 * range (the subnet, or --ip-range inside it) that is not the subnet's network or broadcast
 * address, not the gateway and not taken. Pure; the caller runs it inside the transaction
 * that records the result, so concurrent attaches never get the same address.
 * @pure
 */
import { TsnetError } from '../core/errors.js';
import { bits, formatIp, mask, parseCidr, parseIp } from './cidr.js';

export interface AllocationPool {
  subnet: string;
  ipRange?: string | null | undefined;
  gateway: string;
}

/** firstFreeAddress — "a.b.c.d/len" (the subnet's prefix length) or ECONFLICT when full. */
export function firstFreeAddress(pool: AllocationPool, taken: ReadonlySet<string>): string {
  const subnet = parseCidr(pool.subnet);
  const range = parseCidr(pool.ipRange ?? pool.subnet);
  const width = BigInt(bits(subnet.family));
  const hostMask = (1n << (width - BigInt(subnet.prefix))) - 1n;
  const netAddr = subnet.addr & mask(subnet);
  const broadcast = netAddr | hostMask;
  const gateway = parseIp(pool.gateway).addr;
  const start = range.addr & mask(range);
  const end = start | ((1n << (width - BigInt(range.prefix))) - 1n);
  // Each taken address can push the answer one step further, so this ends within
  // taken.size + 3 steps whatever the size of the range.
  for (let a = start; a <= end; a++) {
    if (a === netAddr || (subnet.family === 4 && a === broadcast) || a === gateway) continue;
    const text = formatIp(subnet.family, a);
    if (!taken.has(text)) return `${text}/${subnet.prefix}`;
  }
  throw new TsnetError('ECONFLICT', `no free address left in ${pool.ipRange ?? pool.subnet}`);
}
