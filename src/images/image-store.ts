/**
 * image-store — the image graph of one state root: the content store, the graph driver
 * and the state rows, behind the operations every image command needs — record an
 * image, resolve a name / id / short-id prefix, tag, remove (freeing only the layers no
 * other image uses) and make a rootfs from an image.
 */
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../state/db.js';
import { ImageRepo, type ImageRecord, type LayerRecord } from '../state/images.js';
import { TsnetError, invalid } from '../core/errors.js';
import { DRIVER_NAMES, type GraphDriver, type MountOptions, type Rootfs } from '../storage/driver.js';
import { openDriver, rememberDriver, storageHome } from '../storage/open-driver.js';
import { sweepTemp } from '../storage/temp-name.js';
import { ContentStore } from './content-store.js';
import { hexOf, shortId } from './digest.js';
import { formatReference, parseReference } from './reference.js';
import { Trash } from './trash.js';
import { limitsFrom, type Limits } from './limits.js';
import { loadConfig } from '../state/config.js';

export interface ImageStoreOptions { root: string; db: Database; storageDriver?: string | undefined }

export interface NewImage {
  config: Buffer;
  manifest: Buffer;
  manifestMediaType: string;
  layers: LayerRecord[];
  created?: string | undefined;
  tags: string[];
}

export interface RemoveResult { untagged: string[]; deleted: string | undefined; layers: string[] }

export class ImageStore {
  readonly root: string;
  readonly repo: ImageRepo;
  readonly blobs: ContentStore;
  private driverHandle: GraphDriver | undefined;
  private limitsHandle: Limits | undefined;

  constructor(private readonly opts: ImageStoreOptions) {
    this.root = opts.root;
    this.repo = new ImageRepo(opts.db);
    this.blobs = new ContentStore(opts.root);
    this.sweepLeftovers();
  }

  /** limits — bounds on registries and layers: the defaults, or what ROOT/config.json sets. */
  get limits(): Limits {
    this.limitsHandle ??= limitsFrom(loadConfig(this.root));
    return this.limitsHandle;
  }

  /** driver — chosen on first use (flag, env, the root's previous choice, probe). */
  get driver(): GraphDriver {
    this.driverHandle ??= openDriver(this.root, this.opts.db, this.opts.storageDriver);
    return this.driverHandle;
  }

  recordLayer(l: LayerRecord): void {
    rememberDriver(this.opts.db, this.driver);
    this.repo.addLayer(l);
  }

  /** addImage — stores config and manifest blobs, records the image and points its tags at it. */
  addImage(img: NewImage): ImageRecord {
    const id = this.blobs.put(img.config);
    const manifestDigest = this.blobs.put(img.manifest);
    const size = img.layers.reduce((s, l) => s + l.size, 0);
    this.repo.addImage({ id, manifestDigest, manifestMediaType: img.manifestMediaType, size, created: img.created ?? null, layers: img.layers.map((l) => l.chainId) });
    for (const t of img.tags) this.repo.setTag(tagName(t, true)!, id);
    return this.repo.image(id)!;
  }

  /**
   * resolve — a tag (normalised: `busybox` is docker.io/library/busybox:latest), a full
   * id ("sha256:..."), or a unique prefix of the hex id.
   */
  resolve(text: string): ImageRecord {
    const byTag = tagName(text);
    const tagged = byTag && this.repo.tagged(byTag);
    if (tagged) return this.repo.image(tagged)!;
    const hex = text.startsWith('sha256:') ? text.slice(7) : text;
    if (/^[a-f0-9]{1,64}$/.test(hex)) {
      const ids = this.repo.byIdPrefix(hex);
      if (ids.length === 1) return this.repo.image(ids[0]!)!;
      if (ids.length > 1) throw invalid(`image id prefix "${text}" is ambiguous: it matches ${ids.map(shortId).join(', ')}`);
    }
    throw new TsnetError('ENOTFOUND', `no image "${text}" (tsnet images lists them)`);
  }

  tag(source: string, target: string): string {
    const img = this.resolve(source);
    const name = tagName(target, true)!;
    this.repo.setTag(name, img.id);
    return name;
  }

  /**
   * remove — `rmi`: a tag of an image with other tags is only untagged; otherwise the
   * image goes, with the layers and blobs nothing else uses. An id with several tags
   * needs force, as in Docker.
   */
  remove(text: string, force = false): RemoveResult {
    const img = this.resolve(text);
    const name = tagName(text);
    const byTag = name !== undefined && img.tags.includes(name);
    if (byTag && img.tags.length > 1) {
      this.repo.untag(name);
      return { untagged: [name], deleted: undefined, layers: [] };
    }
    const users = this.repo.containersOf(img.id);
    if (users.length > 0) {
      throw new TsnetError('ECONFLICT', `image ${shortId(img.id)} is used by container${users.length > 1 ? 's' : ''} ${users.slice(0, 3).join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''}; tsnet rm ${users.length > 1 ? 'them' : 'it'} first`);
    }
    const mounts = this.repo.mountsOf(img.id);
    if (mounts.length > 0) {
      throw new TsnetError('ECONFLICT', `image ${shortId(img.id)} is in use by the rootfs at ${mounts.join(', ')}; tsnet umount it first`);
    }
    if (!byTag && img.tags.length > 1 && !force) {
      throw new TsnetError('ECONFLICT', `image ${shortId(img.id)} has several tags (${img.tags.join(', ')}); remove them by name, or use --force`);
    }
    const freed = this.withTrash((trash) => this.repo.removeImage(img.id, (layers) => this.trashContent(trash, layers, [img.id, img.manifestDigest])));
    return { untagged: img.tags, deleted: img.id, layers: freed.map((l) => l.chainId) };
  }

  /** dropOrphans — removes layers a failed operation recorded that no image uses. */
  dropOrphans(chainIds: readonly string[]): void {
    for (const c of [...chainIds].reverse()) {
      this.withTrash((trash) => this.repo.removeOrphanLayer(c, (layers) => this.trashContent(trash, layers, [])));
    }
  }

  /** withTrash — runs a row removal whose content goes to the trash; see images/trash.ts. */
  private withTrash<T>(remove: (trash: Trash) => T): T {
    const trash = new Trash(this.root);
    let result: T;
    try {
      result = remove(trash);
    } catch (e) {
      trash.putBack();
      throw e;
    }
    trash.empty();
    return result;
  }

  /** trashContent — inside the rows' transaction: the freed layers' dirs, and the blobs nothing uses now. */
  private trashContent(trash: Trash, layers: LayerRecord[], blobs: string[]): void {
    for (const l of layers) trash.take(`layer-${this.driver.name}-${hexOf(l.chainId)}`, this.driver.layerDir(l.chainId));
    for (const d of new Set([...layers.map((l) => l.blobDigest), ...blobs])) {
      if (!this.repo.blobInUse(d)) trash.take(`blob-${hexOf(d)}`, this.blobs.path(d));
    }
  }

  /**
   * sweepLeftovers — what killed runs left: temp blobs, half-unpacked layers, load dirs
   * (their process is gone), and rmi's trash (put back or deleted, see trash.ts).
   */
  private sweepLeftovers(): void {
    new Trash(this.root).sweep((o) => {
      const digest = `sha256:${o.hex}`;
      if (o.kind === 'blob') return this.repo.blobInUse(digest) ? this.blobs.path(digest) : undefined;
      return this.repo.layer(digest) ? join(storageHome(this.root, o.driver), 'layers', o.hex) : undefined;
    });
    sweepTemp(this.blobs.tmpDir);
    sweepTemp(join(this.root, 'tmp'));
    for (const d of DRIVER_NAMES) sweepTemp(join(storageHome(this.root, d), 'tmp'));
  }

  /**
   * mountRootfs — a writable rootfs of the image under dir (overlay mount or vfs copy); dir
   * becomes root's, mode 0700. nosuid,nodev unless opts.suidDev (a container's rootfs).
   */
  async mountRootfs(text: string, dir: string, opts: MountOptions = {}): Promise<Rootfs & { image: string }> {
    const img = this.resolve(text);
    const abs = resolve(dir);
    if (this.repo.isMounted(abs) || (fs.existsSync(abs) && fs.readdirSync(abs).length > 0)) {
      throw new TsnetError('ECONFLICT', `${abs} is not empty; give tsnet mount a new or empty directory`);
    }
    this.repo.addMount(abs, img.id, this.driver.name);
    try {
      const r = await this.driver.mountRootfs(img.layers, abs, opts);
      return { ...r, image: img.id };
    } catch (e) {
      this.driver.unmountRootfs(abs);
      this.repo.removeMount(abs);
      throw e;
    }
  }

  /** unmountRootfs — undoes mountRootfs and removes dir; a dir tsnet did not mount is left
   * alone (idempotent, and never a way to delete someone else's directory). */
  unmountRootfs(dir: string): void {
    const abs = resolve(dir);
    if (!this.repo.isMounted(abs)) return;
    this.driver.unmountRootfs(abs);
    this.repo.removeMount(abs);
  }
}

/** tagName — the normalised "domain/path:tag" for text, or undefined when it is no name
 * (a digest reference or not a reference at all); `strict` rethrows the parse error. */
export function tagName(text: string, strict = false): string | undefined {
  try {
    const ref = parseReference(text);
    if (ref.digest) {
      if (strict) throw invalid(`"${text}": a tag cannot contain a digest`);
      return undefined;
    }
    return formatReference(ref);
  } catch (e) {
    if (strict) throw e;
    return undefined;
  }
}
