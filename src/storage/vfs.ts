/**
 * vfs — the portable graph driver: every layer dir is a full copy of its parent with the
 * layer applied (whiteouts become deletions), and a rootfs is a full copy of the top
 * layer. Slow and large, but needs nothing from the kernel beyond a filesystem; copies go
 * through `cp -a`, which keeps owners, modes, links, devices and xattrs.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.js';
import type { ApplyOptions } from './apply-layer.js';
import { GraphDriver, type PreparedRootfs, type Rootfs } from './driver.js';
import { privateDir } from './private-dir.js';
import { removePath } from './remove-tree.js';

export class VfsDriver extends GraphDriver {
  readonly name = 'vfs' as const;

  applyOptions(): ApplyOptions { return { whiteouts: 'delete', devices: this.devices }; }

  protected async prepareLayerDir(tmp: string, parent: string | undefined): Promise<void> {
    if (!parent) {
      fs.mkdirSync(tmp, { mode: 0o755 });
      return;
    }
    await copyTree(this.layerDir(parent), tmp);
  }

  async prepareRootfs(chain: readonly string[], dir: string): Promise<PreparedRootfs> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const rootfs = join(dir, 'rootfs');
    const top = chain[chain.length - 1];
    if (top) await copyTree(this.layerDir(top), rootfs);
    else fs.mkdirSync(rootfs, { mode: 0o755 });
    return { path: rootfs, driver: 'vfs' };
  }

  /** mountRootfs — a copy in a 0700 directory: other users cannot reach its setuid files or devices. */
  mountRootfs(chain: readonly string[], dir: string): Promise<Rootfs> {
    privateDir(dir);
    return this.prepareRootfs(chain, dir);
  }

  unmountRootfs(dir: string): void {
    removePath(dir);
  }
}

/** copyTree — `cp -a --reflink=auto SRC DST`: DST must not exist yet. */
async function copyTree(src: string, dst: string): Promise<void> {
  await run(['cp', '-a', '--reflink=auto', '--', src, dst]);
}
