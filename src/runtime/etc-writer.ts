/**
 * etc-writer — writes a container's /etc/hosts, /etc/hostname and /etc/resolv.conf (the
 * text is etc-files.ts's) and, for a container on a user-created network, the upstream
 * servers of tsnet's embedded DNS; then waits until the resolver listens in the
 * container's netns, so the container's first lookup is answered. A running container's files
 * follow its network: `tsnet attach` / `detach` and `network connect` / `disconnect` rewrite
 * them (its own addresses in hosts, a DHCP lease's DNS servers, the embedded DNS once it is
 * on a user-created network), as Docker rebuilds them when an endpoint joins or leaves.
 */
import * as fs from 'node:fs';
import type { EngineContext } from '../engine/context.js';
import { ensureKeeper } from '../dhcp/supervise.js';
import { readyFile, upstreamFile } from '../dns/service.js';
import { tryResolveGuest } from '../netns/guest.js';
import { DEFAULT_NETWORK } from '../state/networks.js';
import type { ContainerRecord } from '../state/containers.js';
import type { StoredConfig } from './create.js';
import { hostnameFile, hostsFile, resolvConf, upstreamServers, type ResolvInput } from './etc-files.js';
import { containerPaths, type ContainerPaths } from './paths.js';

const DNS_READY_MS = 5000;

function readOr(path: string, fallback: string): string {
  try { return fs.readFileSync(path, 'utf8'); } catch { return fallback; }
}

/** hostResolvConf — the host's resolv.conf (systemd-resolved's upstream file behind its stub). */
export function hostResolvConf(): string {
  const main = readOr('/etc/resolv.conf', '');
  const onlyStub = /^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(main) && !/^\s*nameserver\s+(?!127\.0\.0\.53)/m.test(main);
  return onlyStub ? readOr('/run/systemd/resolve/resolv.conf', main) : main;
}

/** usesEmbeddedDns — a container of its own netns on a user-created network (Docker's rule). */
export function usesEmbeddedDns(ctx: EngineContext, c: ContainerRecord, cfg: StoredConfig): boolean {
  return (cfg.spec.networkMode?.kind ?? 'networks') === 'networks' && ctx.containers.networks(c.id).some((n) => n.network !== DEFAULT_NETWORK);
}

/** writeEtcFiles — in place (a running container has them bind-mounted: a rename would not reach it). */
export function writeEtcFiles(ctx: EngineContext, c: ContainerRecord, cfg: StoredConfig, paths: ContainerPaths, hostname: string): void {
  const s = cfg.spec;
  const atts = ctx.attachments.forGuest(undefined, `container:${c.name}`);
  const own = atts.flatMap((a) => a.addresses.map((x) => x.split('/')[0]!));
  const host = s.networkMode?.kind === 'host';
  const input: ResolvInput = {
    dns: s.dns ?? [], dnsSearch: s.dnsSearch ?? [], dnsOptions: s.dnsOptions ?? [],
    leaseDns: atts.flatMap((a) => ctx.dhcpLeases.get(a.id)?.lease?.dns ?? []), hostResolv: hostResolvConf(),
  };
  const embedded = usesEmbeddedDns(ctx, c, cfg);
  const hosts = host ? readOr('/etc/hosts', hostsFile(hostname, [], s.addHosts ?? [])) : hostsFile(hostname, own, s.addHosts ?? [], c.name);
  const resolv = host && input.dns.length === 0 ? input.hostResolv : resolvConf(input, embedded);
  fs.writeFileSync(paths.hosts, hosts, { mode: 0o644 });
  fs.writeFileSync(paths.hostname, hostnameFile(hostname), { mode: 0o644 });
  fs.writeFileSync(paths.resolv, resolv, { mode: 0o644 });
  if (embedded) fs.writeFileSync(upstreamFile(ctx.root, c.id), JSON.stringify(upstreamServers(input)));
}

/**
 * awaitEmbeddedDns — tells the keeper (starting it if need be) and waits until it listens
 * in the container's netns; a warning, not a failure, when it does not in time.
 */
export async function awaitEmbeddedDns(ctx: EngineContext, c: ContainerRecord): Promise<string | undefined> {
  const g = tryResolveGuest({ kind: 'container', name: c.name }, ctx.containerLookup);
  const netnsId = g?.netnsId;
  g?.close();
  ensureKeeper(ctx, true);
  const deadline = Date.now() + DNS_READY_MS;
  while (Date.now() < deadline) {
    if (readOr(readyFile(ctx.root, c.id), '') === netnsId) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
  return `the embedded DNS is not answering in ${c.name} yet (see ${ctx.root}/dhcp-keeper.log)`;
}

/**
 * refreshEtcFiles — a running container with a network namespace of its own gets its /etc
 * files rewritten for the interfaces it has now; on a user-created network, the embedded
 * DNS is told and awaited. Anything else (host mode, container:X, not running) is left
 * alone. Returns warnings.
 */
export async function refreshEtcFiles(ctx: EngineContext, c: ContainerRecord): Promise<string[]> {
  const cfg = c.config as StoredConfig; // create.ts's storedConfig, without loading the image store
  const mode = cfg.spec.networkMode?.kind ?? 'networks';
  if (c.state !== 'running' || (mode !== 'networks' && mode !== 'none')) return [];
  // The files are bind-mounted into the container, so they are rewritten in place (a rename
  // would leave the container on the old inode). Two commands changing one container's
  // network at once (two connects) would interleave truncates and writes, or the one that
  // read state first would write last: reading state and writing are one step under the lock.
  await ctx.hostLock.withLock(`rewrite the /etc files of container ${c.name}`, () => writeEtcFiles(ctx, c, cfg, containerPaths(ctx.root, c.id), cfg.hostname));
  if (!usesEmbeddedDns(ctx, c, cfg)) {
    // Off its last user-created network: the keeper's next reload stops answering there, and
    // a later connect must wait for it to listen again.
    fs.rmSync(readyFile(ctx.root, c.id), { force: true });
    return [];
  }
  const w = await awaitEmbeddedDns(ctx, c);
  return w ? [w] : [];
}
