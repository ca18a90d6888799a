/**
 * auth-challenge — parses a registry's WWW-Authenticate header (RFC 7235): the scheme
 * (Bearer or Basic) and its parameters (realm, service, scope). Pure.
 * @pure
 */
import { invalid } from '../core/errors.js';

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** parseChallenge — the first challenge in the header; quoted values may contain commas. */
export function parseChallenge(header: string): Challenge {
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s+(.*))?$/.exec(header);
  if (!m) throw invalid(`registry sent a malformed WWW-Authenticate header "${header}"`);
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') throw invalid(`registry asks for "${m[1]}" authentication, which tsnet does not support (Bearer or Basic)`);
  const params: Record<string, string> = {};
  let rest = m[2] ?? '';
  const PARAM = /^\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/;
  while (rest.trim().length > 0) {
    const p = PARAM.exec(rest);
    if (!p) throw invalid(`registry sent a malformed WWW-Authenticate header "${header}"`);
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
    rest = rest.slice(p[0].length);
  }
  if (scheme === 'bearer' && !params['realm']) throw invalid(`registry's Bearer challenge has no realm: "${header}"`);
  return { scheme, params };
}
