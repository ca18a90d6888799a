/**
 * transfer — what pull and push share: progress events per layer, a byte counter on a
 * stream, and a runner that keeps at most N jobs (layer transfers) in flight.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';

export interface ProgressEvent {
  /** Short id of the blob (12 hex digits). */
  id: string;
  status: string;
  current: number;
  total: number;
}
export type ProgressFn = (e: ProgressEvent) => void;

/** countBytes — passes `src` through, reporting the running byte count (at most every 64 KiB). */
export function countBytes(src: Readable, report: (n: number) => void): Readable {
  let n = 0;
  let last = 0;
  const t = new Transform({
    transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
      n += chunk.length;
      if (n - last >= 65536) { last = n; report(n); }
      cb(null, chunk);
    },
  });
  src.on('error', (e) => t.destroy(e));
  return src.pipe(t);
}

/** runLimited — runs jobs with at most `limit` at once; results in job order; first error wins
 * (jobs already running are awaited, so nothing is left half-done behind the caller). */
export async function runLimited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && failure === undefined) {
      const i = next++;
      try { results[i] = await jobs[i]!(); } catch (e) { failure ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}
