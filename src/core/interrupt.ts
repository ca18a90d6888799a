/**
 * interrupt — SIGINT, SIGTERM and SIGHUP during a command roll back like a failure. The
 * handler only notes the signal: the plan applier checks between steps (throwIfInterrupted),
 * throws EINTERRUPTED and unwinds what it did, and the command exits 128+signal. Outside an
 * operation (nothing to roll back) the first signal exits at once. A second signal exits at
 * once too: whatever was half-done keeps its intent record, which gc finishes or undoes.
 * Installed by each CLI command (cli/with-context.ts), not by long-lived processes (the
 * lease keeper uses SIGHUP and SIGTERM for itself). In the daemon a command's signal is the
 * one its client forwarded (core/command-scope.ts `interrupted`), and only that command
 * rolls back.
 */
import { constants } from 'node:os';
import { TsnetError } from './errors.js';
import { currentScope } from './command-scope.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Handled = (typeof SIGNALS)[number];

let received: Handled | undefined;
/** How many operations are under way (each may roll back on interrupt). */
let active = 0;

function onSignal(sig: Handled): void {
  if (received !== undefined || active === 0) process.exit(128 + constants.signals[sig]);
  received = sig;
}

const handlers = new Map<Handled, () => void>();

/** installInterruptHandlers — from now on a signal interrupts instead of killing; returns the uninstaller. */
export function installInterruptHandlers(): () => void {
  for (const sig of SIGNALS) {
    if (handlers.has(sig)) continue;
    const h = (): void => onSignal(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.clear();
  };
}

/** duringOperation — marks fn as an operation that rolls back on interrupt (signals wait for it). */
export async function duringOperation<T>(fn: () => Promise<T>): Promise<T> {
  const scope = currentScope();
  active++;
  if (scope) scope.operations = (scope.operations ?? 0) + 1;
  try {
    return await fn();
  } finally {
    active--;
    if (scope) scope.operations! -= 1;
  }
}

/** signalled — the signal that interrupts the current command: its client's (daemon) or this process's. */
function signalled(): Handled | undefined {
  return currentScope()?.interrupted ?? received;
}

/**
 * takeInterrupt — the signal noted and not yet acted on, now the caller's (cleared): a
 * foreground container forwards one that came while its last start step ran.
 */
export function takeInterrupt(): Handled | undefined {
  const sig = received;
  received = undefined;
  return sig;
}

/** throwIfInterrupted — called between steps: a noted signal becomes an error that unwinds. */
export function throwIfInterrupted(): void {
  const sig = signalled();
  if (sig !== undefined) {
    throw new TsnetError('EINTERRUPTED', `interrupted by ${sig}; what was done so far was rolled back`, { signal: sig });
  }
}

/** interruptStatus — the exit status for the signal that interrupted this process, if any. */
export function interruptStatus(): number | undefined {
  const sig = signalled();
  return sig === undefined ? undefined : 128 + constants.signals[sig];
}
