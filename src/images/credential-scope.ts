/**
 * credential-scope — where a registry's credentials may go. Pure. A registry is an
 * origin (scheme, host, port); its Basic credentials and its Bearer tokens go to that
 * origin only: a redirect (blob stores) or an upload Location on another origin gets no
 * Authorization. A token realm on another origin gets the Basic credentials only over
 * https, or, for a plain-HTTP registry the user allowed (loopback or --insecure), only
 * on the registry's own host; otherwise the token is asked for anonymously. https never
 * steps down to http, on a redirect, a Location or a realm.
 * @pure
 */
import { invalid } from '../core/errors.js';

/** sameOrigin — the registry's own origin: its Authorization may go there. */
export function sameOrigin(registry: URL, target: URL): boolean {
  return registry.origin === target.origin;
}

/** checkScheme — refuses anything but http(s), and a step down from https to http. */
export function checkScheme(from: URL, to: URL, what: string): void {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw invalid(`${what} ${to.toString()} is not an http(s) URL; refusing`);
  if (from.protocol === 'https:' && to.protocol === 'http:') throw invalid(`${what} ${to.toString()} would go from https to plain http; refusing`);
}

/**
 * realmGets — what a Bearer challenge's realm may receive: the Basic credentials, or
 * nothing (an anonymous token request). Throws for a realm that is not http(s) or that
 * would take an https registry's token exchange to plain http.
 */
export function realmGets(registry: URL, realm: URL): 'credentials' | 'anonymous' {
  checkScheme(registry, realm, 'token realm');
  if (realm.protocol === 'https:') return 'credentials';
  return realm.hostname === registry.hostname ? 'credentials' : 'anonymous';
}
