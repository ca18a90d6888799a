/**
 * open-driver — makes the graph driver for a state root: storage lives in
 * ROOT/storage/<driver>, and the choice is remembered in meta so later commands agree.
 */
import { join } from 'node:path';
import type { Database } from '../state/db.js';
import { prepare } from '../state/db.js';
import { chooseDriver, probeDevices, type GraphDriver } from './driver.js';
import { OverlayDriver } from './overlay.js';
import { privateDir } from './private-dir.js';
import { VfsDriver } from './vfs.js';

export function openDriver(root: string, db: Database, flag?: string): GraphDriver {
  const storage = join(root, 'storage');
  // Layers hold images' setuid binaries and device nodes: no other user may reach them.
  privateDir(storage);
  const row = prepare(db, "SELECT value FROM meta WHERE key = 'storage_driver'").get() as { value: string } | undefined;
  const holdsLayers = prepare(db, 'SELECT 1 FROM layers LIMIT 1').get() !== undefined;
  const name = chooseDriver(flag, row?.value, storage, holdsLayers);
  const home = storageHome(root, name);
  const devices = (): boolean => probeDevices(home);
  return name === 'overlay' ? new OverlayDriver(home, devices) : new VfsDriver(home, devices);
}

/** storageHome — ROOT/storage/<driver>: that driver's layers and temp dirs. */
export function storageHome(root: string, name: string): string {
  return join(root, 'storage', name);
}

/** rememberDriver — records the driver (and so the probe's answer) when a layer is stored. */
export function rememberDriver(db: Database, driver: GraphDriver): void {
  prepare(db, "INSERT INTO meta (key, value) VALUES ('storage_driver', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(driver.name);
}
