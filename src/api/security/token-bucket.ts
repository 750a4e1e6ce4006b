/**
 * Per-key token buckets: `rate` requests per second, bursts up to twice that. At most `maxKeys`
 * buckets are kept; a new key evicts the one used least recently, so callers spraying new keys (say,
 * addresses) push out idle buckets, which would have refilled anyway, not those of active callers.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

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
    if (bucket) {
      // A Map iterates in insertion order: moved to the end, the first key is the least recently used.
      this.buckets.delete(key);
    } else {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: capacity, at: now };
    }
    this.buckets.set(key, bucket);
    // Updated in place: this runs on every request.
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.rate);
    bucket.tokens -= 1;
    return 0;
  }
}
