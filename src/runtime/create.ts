/**
 * create — `tsnet create` (and the first half of `run`): validate the spec, resolve the
 * image and merge its config, check what must exist (networks, the container to share a
 * netns with, volume sources, port specs), then make the container's writable rootfs and
 * record it. Nothing runs yet; a failure leaves no directory and no row.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { TsnetError, invalid } from '../core/errors.js';
import { containerObject, runIntent } from '../core/intent.js';
import { applyPlan, Plan } from '../core/plan.js';
import type { EngineContext } from '../engine/context.js';
import { removePath } from '../storage/remove-tree.js';
import { ImageStore } from '../images/image-store.js';
import { parseConfig } from '../images/manifest.js';
import { parsePortSpec } from '../nat/port-spec.js';
import { DEFAULT_NETWORK } from '../network/network-name.js';
import type { PreparedRootfs } from '../storage/driver.js';
import type { ContainerRecord } from '../state/containers.js';
import { resolveConfig, type ContainerConfig } from './config.js';
import { generateName } from './names.js';
import { containerPaths, containersDir } from './paths.js';
import { BRIDGE_MODE, validateSpec, type ContainerSpec, type NetworkEndpointSpec } from './spec.js';

/** StoredConfig — what the container row keeps: the resolved config and its rootfs. */
export interface StoredConfig extends ContainerConfig {
  rootfs: PreparedRootfs;
}

export function storedConfig(c: ContainerRecord): StoredConfig {
  return c.config as StoredConfig;
}

/** endpoints — the networks of a 'networks' container: the default network unless some are named. */
function endpoints(spec: ContainerSpec): NetworkEndpointSpec[] {
  if ((spec.networkMode?.kind ?? 'networks') !== 'networks') return [];
  const given = spec.networks && spec.networks.length > 0 ? spec.networks : [{ network: BRIDGE_MODE }];
  return given.map((n) => ({ ...n, network: n.network === BRIDGE_MODE ? DEFAULT_NETWORK : n.network }));
}

/** checkReferences — what the spec names must exist now (Docker checks these at create, too). */
function checkReferences(ctx: EngineContext, spec: ContainerSpec, nets: NetworkEndpointSpec[]): void {
  for (const n of nets) {
    if (n.network !== DEFAULT_NETWORK && !ctx.networks.get(n.network)) throw new TsnetError('ENOTFOUND', `no network named ${n.network} (see tsnet network ls)`);
    if (n.ip !== undefined && n.network === DEFAULT_NETWORK && !ctx.networks.get(DEFAULT_NETWORK)) {
      throw invalid('--ip on the default network needs it to exist with a known subnet: run tsnet init first, or use a network made with tsnet network create');
    }
  }
  const mode = spec.networkMode;
  if (mode?.kind === 'container' && !ctx.containers.find(mode.container)) throw new TsnetError('ENOTFOUND', `no container "${mode.container}" to share a network namespace with (--network container:)`);
  for (const p of spec.ports ?? []) parsePortSpec(p);
  for (const v of spec.volumes ?? []) {
    if (!fs.existsSync(v.source)) throw new TsnetError('ENOTFOUND', `volume source ${v.source} does not exist on the host`);
  }
}

export async function createContainer(ctx: EngineContext, spec: ContainerSpec): Promise<ContainerRecord> {
  validateSpec(spec);
  const nets = endpoints(spec);
  checkReferences(ctx, spec, nets);
  const store = new ImageStore({ root: ctx.root, db: ctx.db });
  const image = store.resolve(spec.image);
  if (spec.name !== undefined && ctx.containers.byName(spec.name)) {
    throw new TsnetError('ECONFLICT', `the container name "${spec.name}" is already in use by container ${ctx.containers.byName(spec.name)!.id.slice(0, 12)}; remove it (tsnet rm) or pick another --name`);
  }
  const id = randomBytes(32).toString('hex');
  const config = resolveConfig(spec, parseConfig(store.blobs.read(image.id)).raw, id);
  const name = spec.name ?? generateName(() => randomBytes(1)[0]! / 256, (n) => ctx.containers.byName(n) !== undefined);
  const paths = containerPaths(ctx.root, id);
  let stored: StoredConfig | undefined;
  const plan = new Plan()
    .add({
      name: 'rootfs',
      describe: `make the container's writable rootfs in ${paths.dir}`,
      apply: async () => {
        // Root-only: the rootfs below may hold an image's setuid files.
        fs.mkdirSync(containersDir(ctx.root), { recursive: true, mode: 0o700 });
        fs.chmodSync(containersDir(ctx.root), 0o700);
        fs.mkdirSync(paths.dir, { mode: 0o700 });
        const rootfs = await store.driver.prepareRootfs(image.layers, paths.rootfs);
        stored = { ...config, spec: { ...spec, name }, rootfs };
      },
      undo: () => removePath(paths.dir),
    })
    .add({
      name: 'record',
      describe: `record container ${name}`,
      apply: () => ctx.containers.insert({
        id, name, imageId: image.id, image: spec.image, config: stored,
        networks: nets.map((n) => ({ network: n.network, ip: n.ip ?? null, mac: n.mac ?? null, aliases: n.aliases ?? [] })),
      }),
      undo: () => ctx.containers.remove(id),
    });
  await runIntent(ctx, { op: 'container-create', object: containerObject(id), data: { label: `container ${name}` } }, (intent) => applyPlan(plan, { intent }));
  return ctx.containers.byId(id)!;
}
