/**
 * driver — the graph driver contract and the choice between overlay and vfs. Layers are
 * unpacked once, into a directory named by chain id; a container's rootfs is built from
 * them (an overlay mount over the layer dirs, or a full copy for vfs). The choice is
 * --storage-driver, then $TSNET_STORAGE_DRIVER, then what this state root used before,
 * then a probe: overlay when the kernel can mount it on this filesystem.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { TsnetError, invalid } from '../core/errors.js';
import type { ApplyOptions } from './apply-layer.js';
import { MNT_DETACH, S_IFCHR, mknod, mount, umount2 } from './libc.js';
import { removePath } from './remove-tree.js';
import { tempName } from './temp-name.js';

export type DriverName = 'overlay' | 'vfs';
export const DRIVER_NAMES: readonly DriverName[] = ['overlay', 'vfs'];

export interface Rootfs { path: string; driver: DriverName }

/**
 * hexOf — the hex digits of a layer's chain id ("sha256:<hex>"), its directory name. The
 * same text images/digest.ts hexOf gives; storage sits below images and takes ids as given.
 */
function hexOf(chainId: string): string {
  return chainId.slice('sha256:'.length);
}

/** PreparedRootfs — a rootfs ready to be mounted: `overlay` says how (options, and the dir they are relative to); without it, `path` is a plain directory. */
export interface PreparedRootfs extends Rootfs { overlay?: { options: string; cwd: string } | undefined }

export interface MountOptions {
  /**
   * Honour the image's setuid/setgid bits and device nodes. Off by default: `tsnet mount`
   * mounts nosuid,nodev. A container's rootfs needs them (the runtime turns this on, with
   * its rootfs under a root-only directory, as Docker does).
   */
  suidDev?: boolean | undefined;
}

export abstract class GraphDriver {
  abstract readonly name: DriverName;

  private devicesProbed: boolean | undefined;

  /**
   * home is this driver's directory; devices says whether mknod works there, given or probed
   * on first use (only layer unpacking needs it: a container start does not pay the probe).
   */
  constructor(readonly home: string, devices: boolean | (() => boolean)) {
    this.devicesProbe = typeof devices === 'boolean' ? () => devices : devices;
  }

  private readonly devicesProbe: () => boolean;

  get devices(): boolean {
    this.devicesProbed ??= this.devicesProbe();
    return this.devicesProbed;
  }

  layerDir(chainId: string): string { return join(this.home, 'layers', hexOf(chainId)); }
  hasLayer(chainId: string): boolean { return fs.existsSync(this.layerDir(chainId)); }

  /** applyOptions — how apply-layer must treat whiteouts and devices for this driver. */
  abstract applyOptions(): ApplyOptions;

  /**
   * createLayer — runs `fill` on a fresh temp dir (a copy of the parent for vfs) and renames
   * it into place only when fill succeeds; on failure nothing is left behind.
   */
  async createLayer<T>(chainId: string, parent: string | undefined, fill: (dir: string) => Promise<T>): Promise<T> {
    const tmp = join(this.home, 'tmp', tempName(hexOf(chainId).slice(0, 16)));
    fs.mkdirSync(join(this.home, 'layers'), { recursive: true });
    fs.mkdirSync(join(this.home, 'tmp'), { recursive: true });
    try {
      await this.prepareLayerDir(tmp, parent);
      const result = await fill(tmp);
      fs.renameSync(tmp, this.layerDir(chainId));
      return result;
    } catch (e) {
      removePath(tmp);
      throw e;
    }
  }

  protected abstract prepareLayerDir(tmp: string, parent: string | undefined): Promise<void>;

  removeLayer(chainId: string): void {
    removePath(this.layerDir(chainId));
  }

  /**
   * prepareRootfs — what mountRootfs does, short of the mount (which a container's helper
   * makes in its own mount namespace). `dir` must be under a root-only directory.
   */
  abstract prepareRootfs(chain: readonly string[], dir: string): Promise<PreparedRootfs>;
  /**
   * mountRootfs — a writable rootfs for `chain` (bottom → top) under `dir`, which becomes
   * a 0700 directory of root's: other users cannot reach the rootfs, whatever it holds.
   */
  abstract mountRootfs(chain: readonly string[], dir: string, opts?: MountOptions): Promise<Rootfs>;
  /** unmountRootfs — undoes mountRootfs and removes `dir`; a missing one is fine. */
  abstract unmountRootfs(dir: string): void;
}

/** probeOverlay — mounts a tiny overlay in a temp dir under `storageRoot`. */
export function probeOverlay(storageRoot: string): boolean {
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) return false;
  const p = join(storageRoot, `probe-${process.pid}`);
  try {
    for (const d of ['l', 'u', 'w', 'm']) fs.mkdirSync(join(p, d), { recursive: true });
    mount('overlay', join(p, 'm'), 'overlay', 0, `lowerdir=${join(p, 'l')},upperdir=${join(p, 'u')},workdir=${join(p, 'w')}`);
    umount2(join(p, 'm'), MNT_DETACH); // a plain umount syncs the filesystem: slow on a busy disk
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(p, { recursive: true, force: true });
  }
}

/** probeDevices — whether mknod of a character device works under `storageRoot`. */
export function probeDevices(storageRoot: string): boolean {
  const p = join(storageRoot, `probe-dev-${process.pid}`);
  try {
    fs.mkdirSync(storageRoot, { recursive: true });
    mknod(p, S_IFCHR | 0o600, 1, 3);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(p, { force: true });
  }
}

/** parseDriverName — validates a --storage-driver value. */
export function parseDriverName(text: string): DriverName {
  if ((DRIVER_NAMES as readonly string[]).includes(text)) return text as DriverName;
  throw invalid(`storage driver "${text}" is not one of ${DRIVER_NAMES.join(', ')}`);
}

/**
 * chooseDriver — the flag, the env, the root's previous choice, else a probe. Switching
 * drivers is refused while the root holds layers of the previous one (`holdsLayers`).
 */
export function chooseDriver(flag: string | undefined, previous: string | undefined, storageRoot: string, holdsLayers: boolean): DriverName {
  const asked = flag ?? process.env['TSNET_STORAGE_DRIVER'];
  if (asked) {
    const name = parseDriverName(asked);
    if (previous && previous !== name && holdsLayers) {
      throw new TsnetError('ECONFLICT', `this state root holds images in storage driver "${previous}"; remove them (tsnet rmi) before switching to "${name}"`);
    }
    if (name === 'overlay' && !probeOverlay(storageRoot)) throw new TsnetError('EUNSUPPORTED', `storage driver overlay does not work here (the kernel refused an overlay mount under ${storageRoot}); use --storage-driver vfs`);
    return name;
  }
  if (previous) return parseDriverName(previous);
  return probeOverlay(storageRoot) ? 'overlay' : 'vfs';
}
