/**
 * container-nodes — lab nodes that are tsnet containers (`image` + `cmd`), run by the host's
 * own engine (its state root), with no network of their own (`--network none`): the lab
 * attaches them to its bridges like any other node, by container name, so a restart of the
 * container gets its attachments back. The container's netns is also given the node's netns
 * name (`ip netns attach`), so status, ping, exec and link changes find every node the same
 * way. A simulated host has a state root of its own; the image is copied into it from this
 * machine's root when missing (the busybox base image is made once, there).
 */
import { PassThrough } from 'node:stream';
import { TsnetError } from '../core/errors.js';
import { run } from '../core/exec.js';
import type { EngineContext } from '../engine/context.js';
import { ImageStore } from '../images/image-store.js';
import { loadArchive } from '../images/load.js';
import { saveImages } from '../images/save.js';
import { netnsExists } from '../netns/named.js';
import { createContainer } from '../runtime/create.js';
import { removeContainer } from '../runtime/lifecycle.js';
import { waitGone } from '../runtime/reconcile.js';
import { startContainer } from '../runtime/start.js';
import type { LabModel, NodeModel } from './model.js';

/** containerName — `LAB-NODE`, so two labs on one root never share a container name. */
export function containerName(model: LabModel, node: NodeModel): string {
  return `${model.name}-${node.name}`;
}

/** requireImages — every container node's image exists in `root` (checked before anything is made). */
export function requireImages(ctx: EngineContext, nodes: readonly NodeModel[]): void {
  const store = new ImageStore({ root: ctx.root, db: ctx.db });
  for (const n of nodes) {
    if (n.kind !== 'container') continue;
    try {
      store.resolve(n.image!);
    } catch (e) {
      if (e instanceof TsnetError && e.code === 'ENOTFOUND') {
        throw new TsnetError('ENOTFOUND', `node ${n.name}: image ${n.image} is not in ${ctx.root}; tsnet pull or tsnet import it first`);
      }
      throw e;
    }
  }
}

/** copyImage — the image saved from one root and loaded into another, in memory (a lab's base images are small). */
async function copyImage(from: EngineContext, to: EngineContext, image: string): Promise<void> {
  const src = new ImageStore({ root: from.root, db: from.db });
  const dst = new ImageStore({ root: to.root, db: to.db });
  const pipe = new PassThrough();
  const loaded = loadArchive(dst, pipe);
  await saveImages(src, [image], 'docker', pipe);
  pipe.end();
  await loaded;
}

/** ensureContainerNode — created and started if need be; its netns named like any node's. */
export async function ensureContainerNode(model: LabModel, node: NodeModel, host: EngineContext, machine: EngineContext): Promise<void> {
  const name = containerName(model, node);
  if (!host.containers.byName(name)) {
    const dst = new ImageStore({ root: host.root, db: host.db });
    try { dst.resolve(node.image!); } catch { await copyImage(machine, host, node.image!); }
    await createContainer(host, { image: node.image!, name, cmd: node.cmd, hostname: node.name, networkMode: { kind: 'none' } });
  }
  const started = await startContainer(host, name);
  if (!netnsExists(node.netns)) await run(['ip', 'netns', 'attach', node.netns, String(started.container.pid)]);
}

/** removeContainerNode — the container (killed, its rootfs and cgroups removed) and its netns name. */
export async function removeContainerNode(model: LabModel, node: NodeModel, host: EngineContext): Promise<string[]> {
  const name = containerName(model, node);
  const c = host.containers.byName(name);
  if (!c) return [];
  const { warnings } = await removeContainer(host, name, { force: true });
  // The shim reports the exit to the host's root when its container dies: wait for it, or it
  // would write to a root that `down` is about to remove.
  if (!(await waitGone(c.shimPid, c.shimStart, 10_000))) warnings.push(`the supervisor of container ${name} (pid ${c.shimPid}) has not exited`);
  return warnings;
}
