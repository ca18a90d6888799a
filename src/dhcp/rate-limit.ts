/**
 * rate-limit — token buckets for the DHCP server: one for the whole segment (a bridge),
 * one per client (bridge port). A real client sends a handful of packets per lease; a
 * flooding guest is held to its own bucket, and the segment's bounds what all of them
 * together cost the keeper. Drops are counted, not logged one by one: the keeper logs a
 * summary per interval, so a flood cannot flood the log either. Pure (time is passed in).
 * @pure
 */

export interface Rate { perSecond: number; burst: number }

/** Defaults: a client needs 2-4 packets per lease and retries every few seconds. */
export const CLIENT_RATE: Rate = { perSecond: 10, burst: 20 };
/** Answers (state writes, log lines) for the whole segment. */
export const SEGMENT_RATE: Rate = { perSecond: 100, burst: 300 };
/** Port lookups for MACs not seen lately (a flood of random MACs spends these, not others' turns). */
export const LOOKUP_RATE: Rate = { perSecond: 200, burst: 400 };
/** Buckets kept for idle clients at most (a full bucket is the same as none). */
const MAX_BUCKETS = 4096;

class Bucket {
  tokens: number;
  constructor(private readonly rate: Rate, public last: number) { this.tokens = rate.burst; }

  take(now: number): boolean {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class RateLimiter {
  private readonly segment: Bucket;
  private readonly lookups: Bucket;
  private readonly clients = new Map<string, Bucket>();
  /** Drops since the last summary, by what was over its limit. */
  private readonly dropped = new Map<string, number>();

  constructor(private readonly client = CLIENT_RATE, segment = SEGMENT_RATE, now = Date.now(), lookups = LOOKUP_RATE) {
    this.segment = new Bucket(segment, now);
    this.lookups = new Bucket(lookups, now);
  }

  /** lookupAllows — a port lookup for a MAC not seen lately. */
  lookupAllows(now: number): boolean {
    return this.count(this.lookups.take(now), 'over the rate limit of new MACs');
  }

  /** segmentAllows — an answer on the segment (a state write and a log line). */
  segmentAllows(now: number): boolean {
    return this.count(this.segment.take(now), 'over the segment\'s rate limit');
  }

  /** clientAllows — a request from the client behind `port`. */
  clientAllows(port: string, now: number): boolean {
    let b = this.clients.get(port);
    if (!b) {
      if (this.clients.size >= MAX_BUCKETS) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(port, (b = new Bucket(this.client, now)));
    }
    return this.count(b.take(now), `over the rate limit of port ${port}`);
  }

  /** drop — counts a request dropped for another reason (malformed, spoofed), for the summary. */
  drop(why: string): void {
    this.dropped.set(why, (this.dropped.get(why) ?? 0) + 1);
  }

  /** summary — "dropped N requests from X, ..." since the last call, or undefined. */
  summary(): string | undefined {
    if (this.dropped.size === 0) return undefined;
    const parts = [...this.dropped].map(([what, n]) => `${n} (${what})`);
    this.dropped.clear();
    return `dropped requests: ${parts.join(', ')}`;
  }

  private count(ok: boolean, what: string): boolean {
    if (!ok) this.drop(what);
    return ok;
  }
}
