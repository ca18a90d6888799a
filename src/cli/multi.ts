/**
 * multi — commands that take several arguments (`network rm a b c`) try every one, print
 * one line per result (errors as `tsnet: error: …` on stderr), and exit with the status of
 * the first failure, as `docker network rm` does. With --json: one array, an entry per
 * argument, each of the same kind (toJson: the result, or the error, of that argument).
 */
import { toTsnetError } from '../core/errors.js';
import { printResult, setExitStatus, type GlobalOpts } from './output.js';

export interface EachResult<T> { name: string; ok?: T; error?: { error: string; code: string } }

export async function forEachArgument<T, J>(opts: GlobalOpts, names: readonly string[], fn: (name: string) => Promise<T>, line: (name: string, r: T) => string,
  toJson: (name: string, r: T | undefined, error: { error: string; code: string } | undefined) => J): Promise<number> {
  const results: Array<EachResult<T>> = [];
  let status = 0;
  for (const name of names) {
    try {
      const ok = await fn(name);
      results.push({ name, ok });
      if (!opts.json) process.stdout.write(`${line(name, ok)}\n`);
    } catch (err) {
      const e = toTsnetError(err);
      results.push({ name, error: { error: e.message, code: e.code } });
      if (!opts.json) process.stderr.write(`tsnet: error: ${e.message}\n`);
      status ||= e.exitStatus;
    }
  }
  if (opts.json) printResult(opts, results.map((r) => toJson(r.name, r.ok, r.error)), []);
  if (status) setExitStatus(status);
  return status;
}
