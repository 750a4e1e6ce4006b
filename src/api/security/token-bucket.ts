/** How often a bucket in use moves to the end of the eviction order: the order is kept to about this, for one comparison per request. */
const RECENCY_MS = 1000;

/**
 * Per-key token buckets: `rate` requests per second, bursts up to twice that. At most `maxKeys`
 * buckets are kept; a new key evicts the one used least recently (to about RECENCY_MS), so callers
 * spraying new keys (say, addresses) push out idle buckets, which would have refilled anyway, not
 * those of active callers.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; movedAt: number }>();

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.now();
    const capacity = this.rate * 2;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: capacity, at: now, movedAt: now };
      this.buckets.set(key, bucket);
    } else if (now - bucket.movedAt >= RECENCY_MS) {
      // A Map iterates in insertion order: moved to the end, the first key is the least recently used.
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
      bucket.movedAt = now;
    }
    // Updated in place: this runs on every request.
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.rate);
    bucket.tokens -= 1;
    return 0;
  }
}
