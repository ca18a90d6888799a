/**
 * owner — who a record in state belongs to: a pid plus that process's start time from
 * /proc (field 22 of stat), so a recycled pid or a zombie is never taken for the owner.
 * The lease keeper's row and every intent record (engine/intent.ts) are owned this way.
 */
import { readFileSync } from 'node:fs';

/** processStartTime — clock ticks since boot when pid started; undefined if gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

export interface Owner {
  pid: number;
  startTime: string;
}

let self: Owner | undefined;

/** selfOwner — this process, read once. */
export function selfOwner(): Owner {
  self ??= { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
  return self;
}

/** ownerAlive — the process that wrote the record still runs (pid 0: nobody, abandoned). */
export function ownerAlive(o: Owner): boolean {
  return o.pid !== 0 && processStartTime(o.pid) === o.startTime;
}
