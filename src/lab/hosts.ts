/**
 * hosts — the running side of a lab: for each host in scope, its netns and an EngineContext
 * on its own state root whose "host" is that netns, so the one lab process drives every
 * simulated host through the same engine the CLI uses (attach, detach, records). With
 * --as HOST only that host is in scope, and it is this machine itself (own netns and root).
 */
import { EngineContext } from '../engine/context.js';
import type { LinkOps, LinkOpsBackend } from '../netlink/linkops.js';
import { openLinkOps } from '../netlink/index.js';
import { openNamedNetns } from '../netns/named.js';
import type { HostModel, LabModel } from './model.js';
import { hostNetnsName, type LabScope } from './scope.js';
import { hostRoot } from './record.js';

export { hostNetnsName, scopeOf, type LabScope } from './scope.js';

export interface HostHandle {
  model: HostModel;
  netns: string | undefined;
  ctx: EngineContext;
  links: LinkOps;
  close(): void;
}

/** openHost — the host's netns fd, its engine context and a LinkOps in it. */
export async function openHost(root: string, lab: LabModel, scope: LabScope, host: HostModel, backend?: LinkOpsBackend): Promise<HostHandle> {
  const netns = hostNetnsName(scope, host);
  const ref = netns === undefined ? undefined : openNamedNetns(netns);
  const ctx = new EngineContext({ root: scope.as === undefined ? hostRoot(root, lab.name, host.name) : root, backend, hostNetns: ref });
  try {
    const links = await ctx.hostLinks();
    return { model: host, netns, ctx, links, close: () => { ctx.close(); ref?.close(); } };
  } catch (e) {
    ctx.close();
    ref?.close();
    throw e;
  }
}

/** withNetnsLinks — a LinkOps inside a named netns for the duration of fn. */
export async function withNetnsLinks<T>(netns: string, backend: LinkOpsBackend | undefined, fn: (l: LinkOps) => Promise<T>): Promise<T> {
  const ref = openNamedNetns(netns);
  try {
    const links = await openLinkOps(ref, backend);
    try { return await fn(links); } finally { links.close(); }
  } finally {
    ref.close();
  }
}

/** inParallel — runs fn over items, at most `limit` at a time; rejects with the first error after all settle. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try { await fn(item); } catch (e) { errors.push(e); }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
}
