/**
 * classless-routes — option 121 (RFC 3442): a list of (destination/prefix, router) where
 * the destination is sent with only its significant octets. A router of 0.0.0.0 means the
 * destination is on-link. Pure.
 * @pure
 */
import { DhcpDecodeError, bufToIp, ipToBuf } from './packet.js';

export interface ClasslessRoute {
  /** "10.0.0.0/8" or "0.0.0.0/0" for the default route. */
  dst: string;
  /** Next hop; "0.0.0.0" = on-link. */
  router: string;
}

export function decodeClasslessRoutes(v: Buffer): ClasslessRoute[] {
  const routes: ClasslessRoute[] = [];
  let i = 0;
  while (i < v.length) {
    const prefix = v[i]!;
    if (prefix > 32) throw new DhcpDecodeError(`classless route (121) has prefix length ${prefix} over 32`);
    const octets = Math.ceil(prefix / 8);
    if (i + 1 + octets + 4 > v.length) throw new DhcpDecodeError(`classless route (121) is truncated at byte ${i}`);
    const dst = Buffer.alloc(4);
    v.copy(dst, 0, i + 1, i + 1 + octets);
    routes.push({ dst: `${maskTo(bufToIp(dst), prefix)}/${prefix}`, router: bufToIp(v, i + 1 + octets) });
    i += 1 + octets + 4;
  }
  return routes;
}

export function encodeClasslessRoutes(routes: ClasslessRoute[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of routes) {
    const [ip, len] = r.dst.split('/');
    const prefix = Number(len);
    const octets = Math.ceil(prefix / 8);
    parts.push(Buffer.from([prefix]), ipToBuf(ip!).subarray(0, octets), ipToBuf(r.router));
  }
  return Buffer.concat(parts);
}

/** maskTo — clears the host bits a sender may have left set. */
function maskTo(ip: string, prefix: number): string {
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const m = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}
