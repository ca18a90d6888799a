/**
 * mac — MAC address parsing and the stable MACs of pipework's `U:<string>` form.
 * Pure. The U: derivation matches pipework exactly: its script runs
 * `echo $macunique | md5sum` under /bin/sh (dash on Debian), unquoted, so the string is
 * split into words, echo joins them with one space, expands dash's backslash escapes and
 * adds a newline; the MAC is 02: and the first 10 hex digits of that MD5. A user moving
 * from pipework keeps the same MACs. UPGRADE HAZARD: changing it changes guests' MACs.
 * @pure
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
  if (seed.trim().length === 0) throw invalid('U: needs a string after it, e.g. U:web-1');
  if (/[*?[]/.test(seed)) {
    // Unquoted in pipework, these are file name patterns: its MAC would depend on the files in the current directory.
    throw invalid(`U:${seed} contains * ? or [, which pipework's shell expands against file names; use a plain string`);
  }
  // node:crypto only when a U: MAC is asked for: it costs ~5 ms to load.
  // tsnet-lint-disable-next-line no-require -- lazy load keeps CLI start-up lean (node:crypto ~5 ms)
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const hex = createHash('md5').update(dashEcho(seed.split(/[ \t\n]+/).filter(Boolean))).digest('hex');
  return ['02', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10)].join(':');
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, e: 27, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/**
 * dashEcho — the bytes dash's builtin `echo WORDS...` writes: words joined by a space, then
 * a newline; \a \b \e \f \n \r \t \v \\, \0NNN and \NNN (octal) expanded; \c stops the
 * output there, newline included; any other backslash stays as it is.
 */
export function dashEcho(words: string[]): Buffer {
  const text = Buffer.from(words.join(' '), 'utf8');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== 0x5c || i + 1 >= text.length) { out.push(c); continue; }
    const next = String.fromCharCode(text[i + 1]!);
    if (next === 'c') return Buffer.from(out);
    if (ESCAPES[next] !== undefined) { out.push(ESCAPES[next]); i++; continue; }
    if (/[0-7]/.test(next)) {
      // \0 takes up to three more octal digits; \1..\7 up to two more.
      let j = i + 2;
      const max = next === '0' ? 3 : 2;
      let value = next === '0' ? 0 : Number(next);
      for (let k = 0; k < max && j < text.length && text[j]! >= 0x30 && text[j]! <= 0x37; k++, j++) value = value * 8 + (text[j]! - 0x30);
      out.push(value & 0xff);
      i = j - 1;
      continue;
    }
    out.push(c);
  }
  out.push(10);
  return Buffer.from(out);
}
