/**
 * command-scope — what belongs to one command rather than to the process running it: its
 * --debug, its exit status, a signal its caller sent, and (in the daemon) its stdio, env
 * and cwd. A CLI process runs one command in one scope; the daemon runs many at once, each
 * in its own, and routes process.stdout/stderr/stdin/env to the scope's (daemon/routing.ts),
 * so command code written for a CLI process behaves the same there. Outside any scope (the
 * lease keeper's timers, the daemon's own work) the process-wide values apply.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type ForwardedSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** ScopeIo — a command's own stdio and environment (the daemon's client's), when not the process's. */
export interface ScopeIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

export interface CommandScope {
  debug: boolean;
  /** Set by a command that succeeded but must exit non-zero (gc with errors). */
  exitStatus?: number | undefined;
  /** A signal the caller sent (a daemon client's Ctrl-C): operations roll back as in a CLI process. */
  interrupted?: ForwardedSignal | undefined;
  io?: ScopeIo | undefined;
  /** performance.now() when the command began, for --debug's stamps (a CLI process: its own start). */
  startedAt?: number | undefined;
  /** Operations under way that roll back on interrupt (core/interrupt.ts duringOperation). */
  operations?: number | undefined;
  /** The caller is gone (a daemon client that disconnected or was answered early). */
  callerGone?: boolean | undefined;
}

/**
 * callerGone — whether nobody waits for this command's output any more. An operation runs to
 * its end regardless (never half-way); a command that only follows or waits (logs -f) stops.
 */
export function callerGone(): boolean {
  return currentScope()?.callerGone === true;
}

/**
 * OwnProcessRequired — thrown by requireOwnProcess in a command the daemon serves: the
 * daemon then tells its client to run the command itself (nothing has been done yet).
 */
export class OwnProcessRequired extends Error {}

/**
 * requireOwnProcess — call first in a command that needs the caller's own process (a
 * foreground container inherits its terminal). A CLI process carries on; a daemon hands
 * the command back to its client, which runs it directly.
 */
export function requireOwnProcess(why: string): void {
  if (currentScope()?.io) throw new OwnProcessRequired(why);
}

const storage = new AsyncLocalStorage<CommandScope>();

/** currentScope — the scope of the command this code runs for, if any. */
export function currentScope(): CommandScope | undefined {
  return storage.getStore();
}

/** runInScope — runs fn (and everything it starts) as one command. */
export function runInScope<T>(scope: CommandScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** outsideScope — runs fn with no command scope: for long-lived work a command merely starts. */
export function outsideScope<T>(fn: () => T): T {
  return storage.exit(fn);
}
