/**
 * open-driver — makes the graph driver for a state root: storage lives in
 * ROOT/storage/<driver>, and the choice is remembered in meta so later commands agree.
 */
import { join } from 'node:path';
import type { Database } from '../state/db.js';
import { prepare } from '../state/db.js';
import { chooseDriver, probeDevices, type GraphDriver } from './driver.js';
import { OverlayDriver } from './overlay.js';
import { VfsDriver } from './vfs.js';

export function openDriver(root: string, db: Database, flag?: string): GraphDriver {
  const storage = join(root, 'storage');
  const row = prepare(db, "SELECT value FROM meta WHERE key = 'storage_driver'").get() as { value: string } | undefined;
  const name = chooseDriver(flag, row?.value, storage);
  const home = join(storage, name);
  const devices = probeDevices(home);
  return name === 'overlay' ? new OverlayDriver(home, devices) : new VfsDriver(home, devices);
}

/** rememberDriver — records the driver once the root holds its first layer. */
export function rememberDriver(db: Database, driver: GraphDriver): void {
  prepare(db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('storage_driver', ?)").run(driver.name);
}

/** forgetDriver — when the last layer is gone, the root may switch drivers. */
export function forgetDriver(db: Database): void {
  prepare(db, "DELETE FROM meta WHERE key = 'storage_driver'").run();
}
