/**
 * prune-filter — pure: `network prune --filter until=…` as docker reads it. `until` keeps
 * networks created at or after a moment: a Go duration back from now (`24h`, `1h30m`, `90s`,
 * `2.5h`), an RFC 3339 timestamp or date (`2026-12-03T10:00:00Z`, `2026-12-03`), or Unix
 * seconds (`1764756000`). tsnet networks have no labels, so `label` filters are refused rather
 * than ignored (ignoring one would prune what the user meant to keep).
 * @pure
 */
import { invalid } from '../core/errors.js';

export interface PruneFilters {
  /** Only networks created before this moment are pruned; null: all. */
  until: Date | null;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseGoDuration — "1h30m", "90s", "2.5h" → milliseconds; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** parseUntil — the moment an `until` value names, relative to `now` for durations. */
export function parseUntil(text: string, now: Date): Date {
  const d = parseGoDuration(text);
  if (d !== undefined) return new Date(now.getTime() - d);
  if (/^\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const t = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T'));
    if (Number.isFinite(t)) return new Date(t);
  }
  throw invalid(`until "${text}" is not a duration (24h, 1h30m), an RFC 3339 time or Unix seconds`);
}

/** parsePruneFilters — every --filter KEY=VALUE of a prune; unknown keys are refused. */
export function parsePruneFilters(filters: readonly string[], now: Date): PruneFilters {
  const out: PruneFilters = { until: null };
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (key === 'until') {
      if (value === '') throw invalid('--filter until needs a value, e.g. until=24h');
      if (out.until) throw invalid('--filter until is given twice');
      out.until = parseUntil(value, now);
    } else if (key === 'label' || key === 'label!') {
      throw invalid(`--filter ${key}: tsnet networks have no labels; only until=… is supported`);
    } else {
      throw invalid(`--filter "${f}" is not supported; use until=DURATION|TIME (e.g. until=24h)`);
    }
  }
  return out;
}
