/**
 * etc-files — the /etc/hosts, /etc/hostname and /etc/resolv.conf a container gets (they are
 * never the image's: tsnet writes them and the helper binds them in). Pure.
 *
 * resolv.conf, as Docker decides it: --dns servers, else the servers a DHCP lease gave the
 * container, else the host's minus loopback resolvers (unreachable from the container's
 * netns), else Google's public ones. On a user-created network the container asks tsnet's
 * embedded resolver at 127.0.0.11, which forwards other names to that same list.
 * @pure
 */
import { parseResolvConf } from '../ipam/resolv-conf.js';
import type { HostEntry } from './spec.js';

/** Docker's embedded DNS address, inside every container on a user-created network. */
export const EMBEDDED_DNS = '127.0.0.11';
const FALLBACK_DNS = ['8.8.8.8', '8.8.4.4'];

const HOSTS_HEADER = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/**
 * hostsFile — the standard entries, --add-host entries, then the container's own addresses
 * with its hostname and (as podman writes it) its name, when that differs.
 */
export function hostsFile(hostname: string, ownIps: readonly string[], extra: readonly HostEntry[], name?: string): string {
  const names = name && name !== hostname ? `${hostname} ${name}` : hostname;
  const lines = [...HOSTS_HEADER, ...extra.map((h) => `${h.ip}\t${h.name}`), ...ownIps.map((ip) => `${ip}\t${names}`)];
  return `${lines.join('\n')}\n`;
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

export interface ResolvInput {
  /** --dns */
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
  /** DNS servers from DHCP leases of the container's interfaces. */
  leaseDns: readonly string[];
  /** The host's resolv.conf text. */
  hostResolv: string;
}

/** upstreamServers — the servers the container (or the embedded resolver for it) asks. */
export function upstreamServers(r: ResolvInput): string[] {
  if (r.dns.length > 0) return [...r.dns];
  if (r.leaseDns.length > 0) return [...r.leaseDns];
  const host = parseResolvConf(r.hostResolv).filter((ip) => !isLoopback(ip));
  return host.length > 0 ? host : [...FALLBACK_DNS];
}

/** hostSearch — the host's search domains (Docker keeps them unless --dns-search is given). */
function hostSearch(text: string): string[] {
  const line = text.split('\n').reverse().find((l) => /^\s*(search|domain)\s/.test(l));
  return line ? line.trim().split(/\s+/).slice(1) : [];
}

/** resolvConf — the file; `embedded` makes 127.0.0.11 the only nameserver (user-created networks). */
export function resolvConf(r: ResolvInput, embedded: boolean): string {
  const servers = embedded ? [EMBEDDED_DNS] : upstreamServers(r);
  const search = r.dnsSearch.length > 0 ? r.dnsSearch : hostSearch(r.hostResolv);
  const options = r.dnsOptions.length > 0 ? [...r.dnsOptions] : embedded ? ['ndots:0'] : [];
  const lines = [
    ...servers.map((s) => `nameserver ${s}`),
    ...(search.length > 0 && !search.includes('.') ? [`search ${search.join(' ')}`] : []),
    ...(options.length > 0 ? [`options ${options.join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
