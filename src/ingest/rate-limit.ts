/**
 * Token buckets for per-source rate limits. The buckets live in the isolate's memory, so the limit
 * holds per isolate: a source whose traffic Cloudflare spreads over several isolates or
 * locations can pass up to `perSecond` in each. That is enough to protect subscribers from a
 * provider's burst (which mostly lands on one isolate); an exact global limit would need a Durable
 * Object per source and a round trip on every request, which the hot path budget does not allow.
 */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
  perSecond: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxBuckets: number;

  constructor(maxBuckets = 10_000) {
    this.#maxBuckets = maxBuckets;
  }

  /**
   * Takes one token. Capacity is one second's worth (at least 1), so a limit of 10/s allows a
   * burst of 10 and then 10 per second.
   */
  take(key: string, perSecond: number, nowMs: number): TakeResult {
    const capacity = Math.max(1, perSecond);
    let bucket = this.#buckets.get(key);
    if (!bucket || bucket.perSecond !== perSecond) {
      // A new or changed limit starts full.
      if (this.#buckets.size >= this.#maxBuckets) this.#buckets.clear();
      bucket = { tokens: capacity, updatedMs: nowMs, perSecond };
      this.#buckets.set(key, bucket);
    } else {
      const elapsedSeconds = Math.max(0, nowMs - bucket.updatedMs) / 1000;
      bucket.tokens = Math.min(capacity, bucket.tokens + elapsedSeconds * perSecond);
      bucket.updatedMs = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }
}

/** The isolate's buckets, keyed by source id. */
export const sourceBuckets = new TokenBuckets();
