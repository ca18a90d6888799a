/**
 * TsnetError — the one error type that reaches users. Codes are stable (scripts match on
 * them); the exit status is chosen by class so callers can tell bad input from a kernel
 * refusal without parsing text. Changing a code or status breaks users' scripts.
 * @pure
 */
export type ErrorCode =
  | 'EINVAL' // malformed argument
  | 'ENOTFOUND' // guest, interface or record does not exist
  | 'ECONFLICT' // something else already holds the name/address/interface
  | 'EUNSUPPORTED' // this kernel or build lacks the feature
  | 'EKERNEL' // the kernel refused an operation
  | 'EEXEC' // a helper process failed
  | 'ESTATE' // state database problem
  | 'ETIMEOUT' // waited and gave up
  | 'EFAULT_INJECTED' // TSNET_FAULT test hook fired
  | 'EINTERRUPTED' // SIGINT/SIGTERM/SIGHUP arrived mid-operation; it was rolled back
  | 'EUSAGE' // the command line itself: unknown command or option, missing argument
  | 'EPEER' // a network peer failed: registry unreachable or refusing, no DHCP server answering
  | 'EPERM' // tsnet needs root (or a capability) for this
  | 'EINTERNAL';

const EXIT_STATUS: Record<ErrorCode, number> = {
  EINVAL: 2,
  ENOTFOUND: 3,
  ECONFLICT: 4,
  EUNSUPPORTED: 5,
  EKERNEL: 6,
  EEXEC: 6,
  ESTATE: 7,
  ETIMEOUT: 8,
  EFAULT_INJECTED: 9,
  EINTERRUPTED: 130, // the CLI exits 128+signal (core/interrupt.ts); 130 is SIGINT's
  EUSAGE: 2,
  EPEER: 10,
  EPERM: 11,
  EINTERNAL: 1,
};

/**
 * EXIT_CODES — the exit statuses by class, as `tsnet help exit-codes`, the man page and
 * the README list them. Same order as the statuses.
 */
export const EXIT_CODES: ReadonlyArray<[number, string, string]> = [
  [0, '', 'success (also: nothing to do, already done)'],
  [1, 'EINTERNAL', 'internal error (a bug: run with --debug and report it)'],
  [2, 'EINVAL, EUSAGE', 'bad input or command line; nothing was changed'],
  [3, 'ENOTFOUND', 'a guest, interface, network, image or record does not exist'],
  [4, 'ECONFLICT', 'something else already holds the name, address or interface'],
  [5, 'EUNSUPPORTED', 'this kernel or machine lacks a feature'],
  [6, 'EKERNEL, EEXEC', 'the kernel or a helper program refused'],
  [7, 'ESTATE', 'the state database or --root is unusable'],
  [8, 'ETIMEOUT', 'waited and gave up'],
  [9, 'EFAULT_INJECTED', 'a TSNET_FAULT test hook fired (tests only)'],
  [10, 'EPEER', 'a network peer failed (registry, DHCP server)'],
  [11, 'EPERM', 'needs root'],
  [130, 'EINTERRUPTED', 'interrupted (128+signal); the operation was rolled back'],
];

export class TsnetError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail for --json and --debug; never needed to understand the message. */
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    // One line, always: control characters from user input or a tool's stderr are escaped.
    super(message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)));
    this.name = 'TsnetError';
    this.code = code;
    this.detail = detail;
  }

  get exitStatus(): number {
    return EXIT_STATUS[this.code];
  }
}

/** invalid — shorthand for the most common error: a bad value given by the user. */
export function invalid(message: string): TsnetError {
  return new TsnetError('EINVAL', message);
}

/** toTsnetError — wraps anything thrown into a TsnetError so the CLI prints one line. */
export function toTsnetError(err: unknown): TsnetError {
  if (err instanceof TsnetError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // Keep structured detail a plain Error picked up on the way (applyPlan's undoErrors).
  const detail = err instanceof Error ? (err as { detail?: unknown }).detail : undefined;
  const keep = typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : undefined;
  return new TsnetError('EINTERNAL', message, keep);
}
