/**
 * images — the repository for the image graph: layers (by chain id, with their parent),
 * images (by config digest) and the layers each one uses, tags, and the repositories a
 * blob came from. Reference counts are the image_layers rows: a layer no image names is
 * free to delete.
 */
import { TsnetError } from '../core/errors.js';
import { prepare, type Database } from './db.js';

export interface LayerRecord {
  chainId: string; diffId: string; parent: string | null;
  blobDigest: string; blobMediaType: string; blobSize: number; diffSize: number; size: number;
}

export interface ImageRecord {
  id: string; manifestDigest: string; manifestMediaType: string; size: number;
  created: string | null; addedAt: string;
  /** Chain ids, bottom to top. */
  layers: string[];
  /** Fully qualified repo:tag names. */
  tags: string[];
}

interface LayerRow { chain_id: string; diff_id: string; parent: string | null; blob_digest: string; blob_media_type: string; blob_size: number; diff_size: number; size: number }
interface ImageRow { id: string; manifest_digest: string; manifest_media_type: string; size: number; created: string | null; added_at: string }

const toLayer = (r: LayerRow): LayerRecord => ({
  chainId: r.chain_id, diffId: r.diff_id, parent: r.parent, blobDigest: r.blob_digest,
  blobMediaType: r.blob_media_type, blobSize: r.blob_size, diffSize: r.diff_size, size: r.size,
});

export class ImageRepo {
  constructor(private readonly db: Database) {}

  layer(chainId: string): LayerRecord | undefined {
    const r = prepare(this.db, 'SELECT * FROM layers WHERE chain_id = ?').get(chainId) as LayerRow | undefined;
    return r && toLayer(r);
  }

  /** addLayer — idempotent: a concurrent pull of the same layer may have recorded it. */
  addLayer(l: LayerRecord): void {
    prepare(this.db, `INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, blob_digest, blob_media_type, blob_size, diff_size, size, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(l.chainId, l.diffId, l.parent, l.blobDigest, l.blobMediaType, l.blobSize, l.diffSize, l.size, new Date().toISOString());
  }

  /** addImage — the image and its layer list; existing images keep their rows. */
  addImage(img: Omit<ImageRecord, 'addedAt' | 'tags'>): void {
    this.db.transaction(() => {
      const r = prepare(this.db, `INSERT OR IGNORE INTO images (id, manifest_digest, manifest_media_type, size, created, added_at)
        VALUES (?, ?, ?, ?, ?, ?)`).run(img.id, img.manifestDigest, img.manifestMediaType, img.size, img.created, new Date().toISOString());
      if (r.changes === 0) return;
      const add = prepare(this.db, 'INSERT INTO image_layers (image_id, position, chain_id) VALUES (?, ?, ?)');
      img.layers.forEach((c, i) => add.run(img.id, i, c));
    }).immediate();
  }

  image(id: string): ImageRecord | undefined {
    const r = prepare(this.db, 'SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return r && this.withRefs(r);
  }

  all(): ImageRecord[] {
    return (prepare(this.db, 'SELECT * FROM images ORDER BY added_at DESC, id').all() as ImageRow[]).map((r) => this.withRefs(r));
  }

  /** byIdPrefix — images whose hex id starts with `hex`. */
  byIdPrefix(hex: string): string[] {
    return (prepare(this.db, "SELECT id FROM images WHERE substr(id, 8, ?) = ?").all(hex.length, hex) as { id: string }[]).map((r) => r.id);
  }

  tagged(name: string): string | undefined {
    return (prepare(this.db, 'SELECT image_id FROM image_tags WHERE name = ?').get(name) as { image_id: string } | undefined)?.image_id;
  }

  /** setTag — points name at the image (moving it from another image, like docker tag). */
  setTag(name: string, imageId: string): void {
    prepare(this.db, 'INSERT INTO image_tags (name, image_id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET image_id = excluded.image_id').run(name, imageId);
  }

  untag(name: string): void {
    prepare(this.db, 'DELETE FROM image_tags WHERE name = ?').run(name);
  }

  /**
   * removeImage — deletes the image and returns the layers (top first) that no other
   * image uses any more, removing their rows too, in one transaction; `beforeCommit` runs
   * inside it (rmi moves the content away there: see images/trash.ts).
   */
  removeImage(id: string, beforeCommit: (freed: LayerRecord[]) => void = () => undefined): LayerRecord[] {
    return this.db.transaction(() => {
      const mine = (prepare(this.db, 'SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position DESC').all(id) as { chain_id: string }[]).map((r) => r.chain_id);
      if (prepare(this.db, 'DELETE FROM images WHERE id = ?').run(id).changes === 0) throw new TsnetError('ENOTFOUND', `no image ${id}`);
      const freed: LayerRecord[] = [];
      for (const c of mine) {
        if (prepare(this.db, 'SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1').get(c)) continue;
        if (prepare(this.db, 'SELECT 1 FROM layers WHERE parent = ? LIMIT 1').get(c)) continue;
        const l = this.layer(c);
        if (!l) continue;
        prepare(this.db, 'DELETE FROM layers WHERE chain_id = ?').run(c);
        freed.push(l);
      }
      beforeCommit(freed);
      return freed;
    }).immediate();
  }

  /** removeOrphanLayer — drops a layer row that no image names (a failed pull's leftovers); beforeCommit as in removeImage. */
  removeOrphanLayer(chainId: string, beforeCommit: (freed: LayerRecord[]) => void = () => undefined): LayerRecord | undefined {
    return this.db.transaction(() => {
      if (prepare(this.db, 'SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1').get(chainId)) return undefined;
      if (prepare(this.db, 'SELECT 1 FROM layers WHERE parent = ? LIMIT 1').get(chainId)) return undefined;
      const l = this.layer(chainId);
      if (l) {
        prepare(this.db, 'DELETE FROM layers WHERE chain_id = ?').run(chainId);
        beforeCommit([l]);
      }
      return l;
    }).immediate();
  }

  /** blobInUse — whether any layer or image still needs the blob. */
  blobInUse(digest: string): boolean {
    return Boolean(prepare(this.db, 'SELECT 1 FROM layers WHERE blob_digest = ? LIMIT 1').get(digest)
      ?? prepare(this.db, 'SELECT 1 FROM images WHERE id = ? OR manifest_digest = ? LIMIT 1').get(digest, digest));
  }

  layerCount(): number {
    return (prepare(this.db, 'SELECT count(*) AS n FROM layers').get() as { n: number }).n;
  }

  addMount(dir: string, imageId: string, driver: string): void {
    prepare(this.db, 'INSERT INTO image_mounts (dir, image_id, driver) VALUES (?, ?, ?)').run(dir, imageId, driver);
  }

  removeMount(dir: string): void {
    prepare(this.db, 'DELETE FROM image_mounts WHERE dir = ?').run(dir);
  }

  /** containersOf — names of the containers made from an image (they keep it from removal). */
  containersOf(imageId: string): string[] {
    return (prepare(this.db, 'SELECT name FROM containers WHERE image_id = ? ORDER BY name').all(imageId) as Array<{ name: string }>).map((r) => r.name);
  }

  mountsOf(imageId: string): string[] {
    return (prepare(this.db, 'SELECT dir FROM image_mounts WHERE image_id = ? ORDER BY dir').all(imageId) as { dir: string }[]).map((r) => r.dir);
  }

  isMounted(dir: string): boolean {
    return prepare(this.db, 'SELECT 1 FROM image_mounts WHERE dir = ?').get(dir) !== undefined;
  }

  addBlobSource(digest: string, repository: string): void {
    prepare(this.db, 'INSERT OR IGNORE INTO blob_sources (digest, repository) VALUES (?, ?)').run(digest, repository);
  }

  blobSources(digest: string): string[] {
    return (prepare(this.db, 'SELECT repository FROM blob_sources WHERE digest = ?').all(digest) as { repository: string }[]).map((r) => r.repository);
  }

  private withRefs(r: ImageRow): ImageRecord {
    const layers = (prepare(this.db, 'SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position').all(r.id) as { chain_id: string }[]).map((x) => x.chain_id);
    const tags = (prepare(this.db, 'SELECT name FROM image_tags WHERE image_id = ? ORDER BY name').all(r.id) as { name: string }[]).map((x) => x.name);
    return { id: r.id, manifestDigest: r.manifest_digest, manifestMediaType: r.manifest_media_type, size: r.size, created: r.created, addedAt: r.added_at, layers, tags };
  }
}
