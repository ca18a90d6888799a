/**
 * limits — how much tsnet takes from a registry or an image before it stops: time (a
 * connect timeout like the Docker daemon's 30 s dial timeout, and an idle timeout for a
 * registry that stops talking mid-request, which Docker lacks; containerd's CRI gives up
 * after 5 min without progress), and size (manifests, indexes, configs and token answers
 * are read into memory, so each has a cap; a layer's decompressed size has one too, since
 * a small gzip can unpack to a full disk). Pure; the state root's config.json overrides.
 * @pure
 */
import type { RootConfig } from '../state/config.js';

export interface Limits {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Manifests and indexes: distribution refuses to store manifests over 4 MiB. */
  maxManifestBytes: number;
  maxConfigBytes: number;
  maxTokenBytes: number;
  /** A layer's decompressed tar. */
  maxLayerBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxManifestBytes: 4 << 20,
  maxConfigBytes: 8 << 20,
  maxTokenBytes: 1 << 20,
  maxLayerBytes: 32 * 2 ** 30,
};

/** limitsFrom — the defaults with what config.json sets. */
export function limitsFrom(c: RootConfig): Limits {
  return {
    ...DEFAULT_LIMITS,
    ...(c.registryConnectTimeout !== undefined ? { connectTimeoutMs: c.registryConnectTimeout * 1000 } : {}),
    ...(c.registryIdleTimeout !== undefined ? { idleTimeoutMs: c.registryIdleTimeout * 1000 } : {}),
    ...(c.maxLayerSize !== undefined ? { maxLayerBytes: c.maxLayerSize } : {}),
  };
}

/** sizeText — 4194304 → "4 MiB", for errors that name a cap. */
export function sizeText(n: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(2))} ${unit}`;
  }
  return `${n} bytes`;
}
