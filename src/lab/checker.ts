/**
 * checker — how topology checks fail: one EINVAL line that starts with the file, the line
 * and the key path at fault (SourceMap), also for errors thrown by parsers from elsewhere.
 * @pure
 */
import { TsnetError, invalid } from '../core/errors.js';
import { at, type SourceMap } from './topology-file.js';

export type Path = Array<string | number>;

export class Checker {
  constructor(readonly source: SourceMap) {}
  fail(path: Path, message: string): never {
    throw invalid(`${at(this.source, path)}${message}`);
  }
  /** wrap — runs a parser from elsewhere (CIDR, MAC, names) and prefixes its message with the line. */
  wrap<T>(path: Path, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof TsnetError) this.fail(path, e.message);
      throw e;
    }
  }
}
