/**
 * overlay — the overlayfs graph driver. Each layer dir holds only that layer's changes,
 * with whiteouts as 0:0 character devices and opaque directories marked by the
 * trusted.overlay.opaque xattr, which is what overlayfs itself reads. A rootfs is one
 * overlay mount: the image's layer dirs as lowerdirs (top first) plus its own upper dir.
 * The rootfs root shows the upper dir's owner and mode, so the upper dir takes those of
 * the top-most layer whose "/" entry set them (ROOT_SET_XATTR, see apply-layer), as the
 * upper dir of Docker's overlay2 takes its parent's.
 */
import * as fs from 'node:fs';
import { join, relative } from 'node:path';
import { TsnetError } from '../core/errors.js';
import { ROOT_SET_XATTR, type ApplyOptions } from './apply-layer.js';
import { GraphDriver, type MountOptions, type PreparedRootfs, type Rootfs } from './driver.js';
import { MNT_DETACH, MS_NODEV, MS_NOSUID, lgetxattr, mount, umount2, SyscallError } from './libc.js';
import { privateDir } from './private-dir.js';
import { removePath } from './remove-tree.js';

/** The kernel takes at most a page of mount options. */
const MAX_OPTIONS = 4000;
const EINVAL_ERRNO = 22;
const ENOENT_ERRNO = 2;

export class OverlayDriver extends GraphDriver {
  readonly name = 'overlay' as const;

  applyOptions(): ApplyOptions { return { whiteouts: 'overlay', devices: this.devices }; }

  protected async prepareLayerDir(tmp: string): Promise<void> {
    fs.mkdirSync(tmp, { mode: 0o755 });
  }

  /**
   * prepareRootfs — upper, work and merged dirs under dir, and the overlay options for them;
   * the mount itself is left to the caller (the container helper mounts it in the
   * container's own mount namespace). Relative lowerdirs from the layers dir (as Docker's
   * overlay2 does) keep a long chain within the kernel's one-page limit on mount options.
   */
  async prepareRootfs(chain: readonly string[], dir: string): Promise<PreparedRootfs> {
    const merged = join(dir, 'merged');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const model = [...chain].reverse().map((c) => this.layerDir(c)).find((d) => lgetxattr(d, ROOT_SET_XATTR) !== undefined);
    mkdirLike(join(dir, 'upper'), model);
    for (const d of ['work', 'merged']) fs.mkdirSync(join(dir, d), { mode: 0o755 });
    const layers = join(this.home, 'layers');
    fs.mkdirSync(layers, { recursive: true });
    const lower = chain.length > 0
      ? [...chain].reverse().map((c) => relative(layers, this.layerDir(c))).join(':')
      : relative(layers, join(dir, 'empty'));
    if (chain.length === 0) fs.mkdirSync(join(dir, 'empty'), { recursive: true });
    const options = `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`;
    if (options.length > MAX_OPTIONS) throw new TsnetError('EUNSUPPORTED', `image has too many layers (${chain.length}) for one overlay mount`);
    return { path: merged, driver: 'overlay', overlay: { options, cwd: layers } };
  }

  /** mountRootfs — prepareRootfs in a private dir, mounted nosuid,nodev unless opts.suidDev. */
  async mountRootfs(chain: readonly string[], dir: string, opts: MountOptions = {}): Promise<Rootfs> {
    privateDir(dir);
    const r = await this.prepareRootfs(chain, dir);
    const cwd = process.cwd();
    process.chdir(r.overlay!.cwd);
    try {
      mount('overlay', r.path, 'overlay', opts.suidDev ? 0 : MS_NOSUID | MS_NODEV, r.overlay!.options);
    } finally {
      process.chdir(cwd);
    }
    return { path: r.path, driver: 'overlay' };
  }

  unmountRootfs(dir: string): void {
    try {
      umount2(join(dir, 'merged'), MNT_DETACH);
    } catch (e) {
      // Not mounted (EINVAL) or already gone (ENOENT): teardown is idempotent.
      if (!(e instanceof SyscallError) || (e.errno !== EINVAL_ERRNO && e.errno !== ENOENT_ERRNO)) throw e;
    }
    removePath(dir);
  }
}

/** mkdirLike — a new directory with the owner and mode of `model` (0755 root when none). */
function mkdirLike(path: string, model: string | undefined): void {
  const st = model ? fs.statSync(model) : undefined;
  fs.mkdirSync(path);
  if (st) fs.chownSync(path, st.uid, st.gid);
  fs.chmodSync(path, st ? st.mode & 0o7777 : 0o755);
}
