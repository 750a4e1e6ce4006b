/** Per-key token buckets: `rate` requests per second, bursts up to twice that. */
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
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    if (this.buckets.size >= this.maxKeys && !this.buckets.has(key)) this.buckets.clear();
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.ceil((1 - tokens) / this.rate);
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }
}
