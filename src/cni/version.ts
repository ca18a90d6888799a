/**
 * version — the CNI spec versions tsnet speaks and the result shapes that differ between
 * them (interfaces.md 1.1): 0.3.x/0.4.0 ips carry "version"; 1.1.0 adds interface mtu,
 * socketPath, pciID and route mtu/advmss/priority/table/scope. A result is built once in the
 * 1.1 shape and cut down to the caller's version; a prevResult in any shape is read back.
 * Pure.
 * @pure
 */
import { CNI_CODE, CniError } from './errors.js';

/** Exact strings: libcni compares them literally (ValidateNetworkList). UPGRADE HAZARD: only add. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

export interface CniInterface { name: string; mac?: string | undefined; mtu?: number | undefined; sandbox?: string | undefined; socketPath?: string | undefined; pciID?: string | undefined }
export interface CniIp { address: string; gateway?: string | undefined; interface?: number | undefined }
export interface CniRoute { dst: string; gw?: string | undefined; mtu?: number | undefined; advmss?: number | undefined; priority?: number | undefined; table?: number | undefined; scope?: number | undefined }
export interface CniDns { nameservers?: string[] | undefined; domain?: string | undefined; search?: string[] | undefined; options?: string[] | undefined }
export interface CniResult { interfaces?: CniInterface[] | undefined; ips?: CniIp[] | undefined; routes?: CniRoute[] | undefined; dns?: CniDns | undefined }

/** checkVersion — code 1 for a version tsnet does not speak, naming it. */
export function checkVersion(v: unknown): string {
  if (typeof v !== 'string' || !(SUPPORTED_VERSIONS as readonly string[]).includes(v)) {
    throw new CniError(CNI_CODE.incompatibleVersion, 'incompatible CNI versions', `cniVersion ${JSON.stringify(v)} is not one of ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  return v;
}

/** atLeast — a >= b for the dotted versions above. */
export function atLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return true;
}

/** formatResult — the result in the shape of `version`, with cniVersion first. */
export function formatResult(version: string, r: CniResult): Record<string, unknown> {
  const v11 = atLeast(version, '1.1.0');
  const legacy = !atLeast(version, '1.0.0');
  const out: Record<string, unknown> = { cniVersion: version };
  if (r.interfaces?.length) {
    out['interfaces'] = r.interfaces.map((i) => strip({ name: i.name, mac: i.mac, ...(v11 ? { mtu: i.mtu, socketPath: i.socketPath, pciID: i.pciID } : {}), sandbox: i.sandbox }));
  }
  if (r.ips?.length) {
    out['ips'] = r.ips.map((ip) => strip({ ...(legacy ? { version: ip.address.includes(':') ? '6' : '4' } : {}), interface: ip.interface, address: ip.address, gateway: ip.gateway }));
  }
  if (r.routes?.length) {
    out['routes'] = r.routes.map((rt) => strip({ dst: rt.dst, gw: rt.gw, ...(v11 ? { mtu: rt.mtu, advmss: rt.advmss, priority: rt.priority, table: rt.table, scope: rt.scope } : {}) }));
  }
  out['dns'] = strip({ ...(r.dns ?? {}) });
  return out;
}

/** parseResult — a prevResult (or a delegated plugin's result) of any supported shape. */
export function parseResult(raw: unknown, what: string): CniResult {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new CniError(CNI_CODE.decodingFailure, 'failed to decode result', `${what} is not an object`);
  const o = raw as Record<string, unknown>;
  const list = <T>(key: string, each: (x: Record<string, unknown>) => T): T[] | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) throw new CniError(CNI_CODE.decodingFailure, 'failed to decode result', `${what}.${key} is not a list of objects`);
    return (v as Array<Record<string, unknown>>).map(each);
  };
  const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
  const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
  const dns = o['dns'] && typeof o['dns'] === 'object' ? (o['dns'] as CniDns) : undefined;
  return {
    interfaces: list('interfaces', (i) => strip({ name: String(i['name'] ?? ''), mac: str(i['mac']), mtu: num(i['mtu']), sandbox: str(i['sandbox']), socketPath: str(i['socketPath']), pciID: str(i['pciID']) })),
    ips: list('ips', (i) => {
      if (typeof i['address'] !== 'string') throw new CniError(CNI_CODE.decodingFailure, 'failed to decode result', `${what}.ips[] has no address`);
      return strip({ address: i['address'], gateway: str(i['gateway']), interface: num(i['interface']) });
    }),
    routes: list('routes', (r) => strip({ dst: String(r['dst'] ?? ''), gw: str(r['gw']), mtu: num(r['mtu']), advmss: num(r['advmss']), priority: num(r['priority']), table: num(r['table']), scope: num(r['scope']) })),
    dns: dns && strip({ nameservers: dns.nameservers, domain: dns.domain, search: dns.search, options: dns.options }),
  };
}

/** strip — drops undefined fields, so JSON has no nulls the consumer did not expect. */
function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
