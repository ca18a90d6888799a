/**
 * client-options — `dhcp[:OPTS]` of `tsnet attach`, parsed before anything is touched,
 * and the client's identity on the wire. OPTS is a comma-separated list:
 *   -f                 pipework compatibility ("keep the client"): accepted; tsnet always keeps the lease
 *   timeout=SECONDS    give up the attach after this long (default 30)
 *   hostname=NAME      option 12 (default: the guest's netns or container name)
 *   client-id=TEXT     option 61 (default: derived from guest and interface, so a re-attach
 *                      gets the same address from the server)
 *   request=N+N...     extra option codes for the parameter request list (55)
 * Pure.
 * @pure
 */
import { createHash } from 'node:crypto';
import { invalid } from '../core/errors.js';
import { DEFAULT_PARAMS, type ClientIdentity } from './options.js';

export interface DhcpClientOptions {
  timeoutMs: number;
  hostname?: string | undefined;
  clientId?: string | undefined;
  extraParams: number[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/;

export function parseDhcpOptions(text: string): DhcpClientOptions {
  const opts: DhcpClientOptions = { timeoutMs: DEFAULT_TIMEOUT_MS, extraParams: [] };
  for (const token of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (token === '-f') continue;
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1);
    if (key === 'timeout') {
      const n = Number(value);
      if (!value || !Number.isFinite(n) || n <= 0 || n > 3600) throw invalid(`dhcp option "${token}": timeout must be 1-3600 seconds`);
      opts.timeoutMs = n * 1000;
    } else if (key === 'hostname') {
      if (!HOSTNAME.test(value)) throw invalid(`dhcp option "${token}": hostname must be letters, digits, dots and dashes (max 63)`);
      opts.hostname = value;
    } else if (key === 'client-id') {
      if (!value || value.length > 64 || /[^\x21-\x7e]/.test(value)) throw invalid(`dhcp option "${token}": client-id must be 1-64 printable characters`);
      opts.clientId = value;
    } else if (key === 'request') {
      for (const part of value.split('+')) {
        const n = Number(part);
        if (!/^\d+$/.test(part) || n < 1 || n > 254) throw invalid(`dhcp option "${token}": request takes option codes 1-254 joined by +, e.g. request=42+119`);
        opts.extraParams.push(n);
      }
    } else {
      throw invalid(`unknown dhcp option "${token}" (known: -f, timeout=S, hostname=NAME, client-id=TEXT, request=N+N)`);
    }
  }
  return opts;
}

/**
 * defaultClientId — "tsnet-" and 16 hex digits of a hash of the guest and interface, as a
 * type-0 client identifier. UPGRADE HAZARD: changing it makes servers hand re-attached
 * guests new addresses.
 */
export function defaultClientId(guest: string, ctrIf: string): string {
  return `tsnet-${createHash('sha256').update(`${guest}\0${ctrIf}`).digest('hex').slice(0, 16)}`;
}

/** clientIdentity — what the client puts on the wire (61 as type 0 + text, 12, 55). */
export function clientIdentity(mac: string, clientId: string, hostname: string | undefined, extraParams: number[]): ClientIdentity {
  return {
    mac,
    clientId: Buffer.concat([Buffer.from([0]), Buffer.from(clientId, 'latin1')]),
    hostname,
    params: [...new Set([...DEFAULT_PARAMS, ...extraParams])],
  };
}

/** defaultHostname — pipework sends the guest's name: a netns or container name is one, a pid or path is not. */
export function defaultHostname(guest: string): string | undefined {
  const m = /^(?:netns|container):(.+)$/.exec(guest);
  return m && HOSTNAME.test(m[1]!) ? m[1] : undefined;
}
