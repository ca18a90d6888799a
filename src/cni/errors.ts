/**
 * errors — CNI's error object and codes (SPEC.md "Error", libcni pkg/types): what a plugin
 * prints on stdout when it fails. tsnet's own errors (core/errors.ts) become the closest
 * spec code; failures of tsnet's own operations use the plugin range (100+), and the
 * details name tsnet's stable code so scripts can still match on it. Pure.
 * @pure
 */
import type { ErrorCode } from '../core/errors.js';

export const CNI_CODE = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidConfig: 7,
  invalidNetns: 8,
  tryAgainLater: 11,
  /** STATUS: cannot service ADD. */
  notAvailable: 50,
  /** STATUS: cannot service ADD, and existing containers may have limited connectivity. */
  notAvailableDegraded: 51,
  /** tsnet: something else holds the address, port or interface. */
  conflict: 100,
  /** tsnet: the kernel or a helper refused an operation. */
  kernel: 101,
  /** tsnet: the state database. */
  state: 102,
  /** tsnet: anything else. */
  internal: 103,
  /** tsnet: CHECK found the attachment changed since ADD. */
  checkFailed: 104,
} as const;

/** CniError — a failure with its spec code; msg is short, details say what and why. */
export class CniError extends Error {
  constructor(readonly code: number, readonly msg: string, readonly details = '') {
    super(details ? `${msg}: ${details}` : msg);
  }
}

const FROM_TSNET: Partial<Record<ErrorCode, [number, string]>> = {
  EINVAL: [CNI_CODE.invalidConfig, 'invalid network configuration'],
  EUNSUPPORTED: [CNI_CODE.unsupportedField, 'unsupported on this host'],
  ETIMEOUT: [CNI_CODE.tryAgainLater, 'try again later'],
  ECONFLICT: [CNI_CODE.conflict, 'conflict'],
  ENOTFOUND: [CNI_CODE.conflict, 'not found'],
  EKERNEL: [CNI_CODE.kernel, 'kernel refused'],
  EEXEC: [CNI_CODE.kernel, 'helper failed'],
  ESTATE: [CNI_CODE.state, 'state database'],
  EINTERRUPTED: [CNI_CODE.tryAgainLater, 'interrupted and rolled back'],
};

/** toCniError — anything thrown, as a CniError; a TsnetError's code picks the CNI code. */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  const err = e as { code?: unknown; message?: string };
  const message = err?.message ?? String(e);
  const mapped = typeof err?.code === 'string' ? FROM_TSNET[err.code as ErrorCode] : undefined;
  if (mapped) return new CniError(mapped[0], mapped[1], `${message} (tsnet ${String(err.code)})`);
  return new CniError(CNI_CODE.internal, 'tsnet internal error', message);
}

/** errorJson — the object printed on stdout: the spec's fields (cniVersion, code, msg, details). */
export function errorJson(e: CniError, cniVersion: string): Record<string, unknown> {
  return { cniVersion, code: e.code, msg: e.msg, ...(e.details ? { details: e.details } : {}) };
}
