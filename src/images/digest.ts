/**
 * digest — content digests ("sha256:<hex>") and the chain ids that name layers by their
 * whole ancestry. Pure. Only sha256 is supported: it is what registries and the OCI spec
 * require, and one algorithm keeps the content store's layout simple.
 * @pure
 */
import { createHash } from 'node:crypto';
import { TsnetError, invalid } from '../core/errors.js';

const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** parseDigest — validates "sha256:<64 lowercase hex>"; `what` names where it came from. */
export function parseDigest(text: string, what = 'digest'): string {
  const m = DIGEST.exec(text);
  if (!m) throw invalid(`${what}: "${text}" is not a digest (want sha256:<64 hex digits>)`);
  if (m[1] !== 'sha256') throw new TsnetError('EUNSUPPORTED', `${what}: digest algorithm "${m[1]}" is not supported (only sha256)`);
  if (!/^[a-f0-9]{64}$/.test(m[2]!)) throw invalid(`${what}: "${text}" is not a digest (want sha256:<64 hex digits>)`);
  return text;
}

/** hexOf — the 64 hex digits of a sha256 digest. */
export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** sha256Digest — digest of a buffer or string. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** chainIds — OCI chain ids: C0 = D0, Cn = sha256(C(n-1) + " " + Dn). Naming layers by
 * chain id makes two images share a layer dir only when everything below it is equal. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256Digest(`${out[out.length - 1]} ${d}`));
  return out;
}

/** shortId — the 12 hex digits people see. */
export function shortId(digest: string): string {
  return hexOf(digest).slice(0, 12);
}
