/**
 * paths — where a state root's daemon listens: /run/tsnet/<tag>.sock, its pidfile beside it
 * as <tag>.pid. The tag is "default" for /var/lib/tsnet and otherwise the FNV-1a 64-bit
 * hash of the root's real path, in hex: the client (native/client/tsnet.c) computes the
 * same from --root or TSNET_ROOT to find the daemon without asking anyone. Pure.
 * Changing the tag breaks running daemons' discovery (a unit test pins it).
 * @pure
 */
export const RUN_DIR = '/run/tsnet';
export const DEFAULT_ROOT_REAL = '/var/lib/tsnet';

/** fnv1a64 — FNV-1a, 64-bit, over the UTF-8 bytes; as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** rootTag — the name of a state root's daemon files; `rootReal` is the root's realpath. */
export function rootTag(rootReal: string): string {
  return rootReal === DEFAULT_ROOT_REAL ? 'default' : fnv1a64(rootReal);
}

export function socketPathFor(rootReal: string): string {
  return `${RUN_DIR}/${rootTag(rootReal)}.sock`;
}

/** pidfileFor — beside the socket: x.sock → x.pid (any other name: x.pid appended). */
export function pidfileFor(socketPath: string): string {
  return socketPath.endsWith('.sock') ? `${socketPath.slice(0, -5)}.pid` : `${socketPath}.pid`;
}
