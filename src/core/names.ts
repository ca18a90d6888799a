/**
 * names — deterministic, length-capped kernel names. Host-side interface names are
 * `tsn` + a 4-char tag of the state root + an 8-char hash of what the interface is for,
 * so two state roots on one machine (the lab's simulated hosts) never collide, and teardown
 * and gc can recompute or recognise them.
 *
 * UPGRADE HAZARD: changing NAME_PREFIX, the hash or the lengths renames every interface
 * tsnet has ever made; test/unit/core/names.test.ts pins the outputs.
 * @pure
 */
import { sha256Hex } from './sha256.js';
import { invalid } from './errors.js';

export const NAME_PREFIX = 'tsn';
export const IFNAMSIZ_MAX = 15; // kernel IFNAMSIZ (16) minus the NUL

/** shortHash — first `len` hex chars of sha256 over the parts joined by NUL. */
export function shortHash(parts: readonly string[], len: number): string {
  return sha256Hex(parts.join('\0')).slice(0, len);
}

/** rootTag — 4 hex chars identifying a state root; part of every host-side name. */
export function rootTag(rootId: string): string {
  return shortHash(['root', rootId], 4);
}

/** hostIfName — the host end of an attachment: tsn<root:4><hash:8>, exactly 15 chars. */
export function hostIfName(rootId: string, guestKey: string, ctrIf: string): string {
  return `${NAME_PREFIX}${rootTag(rootId)}${shortHash(['if', guestKey, ctrIf], 8)}`;
}

/** ownedPrefix — every host interface made under this root starts with this. */
export function ownedPrefix(rootId: string): string {
  return `${NAME_PREFIX}${rootTag(rootId)}`;
}

// Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace. Stricter
// still: no '+' (iptables reads "eth+" as every eth*, so a rule for one name would match
// others) and no leading '-' (a name that reads as an option to ip, iptables or nft).
const IFNAME_RE = /^[A-Za-z0-9_.@=][A-Za-z0-9_.@=-]{0,14}$/;

/** validateIfName — throws a one-line error naming the bad value; returns it otherwise. */
export function validateIfName(name: string, what = 'interface name'): string {
  if (Buffer.byteLength(name) > IFNAMSIZ_MAX) {
    throw invalid(`${what} "${name}" is ${Buffer.byteLength(name)} characters; Linux allows at most ${IFNAMSIZ_MAX}`);
  }
  if (!IFNAME_RE.test(name) || name === '.' || name === '..') {
    throw invalid(`${what} "${name}" is not a valid interface name for tsnet (letters, digits and _.@=-, not starting with -; no +, which iptables reads as a wildcard)`);
  }
  return name;
}

/** validateNetnsName — names under /run/netns: no '/', not '.'/'..', printable. */
export function validateNetnsName(name: string): string {
  if (!/^[A-Za-z0-9_.+=-]{1,64}$/.test(name) || name === '.' || name === '..') {
    throw invalid(`netns name "${name}" is not valid (letters, digits and _.+=- only, at most 64)`);
  }
  return name;
}
