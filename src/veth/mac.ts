/**
 * mac — MAC address parsing and the stable MACs of pipework's `U:<string>` form.
 * Pure. The U: derivation matches pipework exactly (02: + the first 10 hex digits of the
 * MD5 of the string), so a user moving from pipework keeps the same MACs.
 */
import { invalid } from '../core/errors.js';

const MAC_RE = /^([0-9a-fA-F]{2})(?::[0-9a-fA-F]{2}){5}$/;

/** parseMac — validates a unicast MAC and returns it lower-case. */
export function parseMac(text: string): string {
  if (!MAC_RE.test(text)) throw invalid(`MAC address "${text}" is not of the form aa:bb:cc:dd:ee:ff`);
  const mac = text.toLowerCase();
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw invalid(`MAC address "${text}" is a multicast address; the first octet must be even`);
  }
  if (mac === '00:00:00:00:00:00') throw invalid('MAC address 00:00:00:00:00:00 is not usable');
  return mac;
}

/** macFromSeed — pipework's U:<string>: locally administered, stable for the same string. */
export function macFromSeed(seed: string): string {
  if (seed.length === 0) throw invalid('U: needs a string after it, e.g. U:web-1');
  // node:crypto only when a U: MAC is asked for: it costs ~5 ms to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const hex = createHash('md5').update(seed).digest('hex');
  return ['02', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10)].join(':');
}
