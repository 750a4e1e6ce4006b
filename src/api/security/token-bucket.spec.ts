import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  const takeAll = (buckets: TokenBuckets, key: string, times: number) => Array.from({ length: times }, () => buckets.take(key));

  it('allows a burst of twice the rate, then says how many seconds to wait; tokens come back at the rate', () => {
    const buckets = new TokenBuckets(2, now);
    expect(takeAll(buckets, 'a', 5)).toEqual([0, 0, 0, 0, 1]);
    clock += 500; // one token back
    expect(takeAll(buckets, 'a', 2)).toEqual([0, 1]);
    clock += 10_000; // refilled, never beyond the burst
    expect(takeAll(buckets, 'a', 5)).toEqual([0, 0, 0, 0, 1]);
  });

  it('keeps callers apart', () => {
    const buckets = new TokenBuckets(1, now);
    expect(takeAll(buckets, 'a', 3)).toEqual([0, 0, 1]);
    expect(takeAll(buckets, 'b', 2)).toEqual([0, 0]);
  });

  it('at its limit of keys, a new key evicts the least recently used bucket only: an active caller stays limited', () => {
    const buckets = new TokenBuckets(1, now, 3);
    expect(takeAll(buckets, 'abuser', 3)).toEqual([0, 0, 1]);
    clock += 1000;
    takeAll(buckets, 'idle', 1);
    takeAll(buckets, 'other', 1);
    clock += 1000;
    expect(takeAll(buckets, 'abuser', 3)).toEqual([0, 0, 1]); // used most recently now, and empty again
    // Spraying new keys pushes out the idle buckets, not the abuser's empty one.
    for (const key of ['new-1', 'new-2']) expect(buckets.take(key)).toBe(0);
    expect(buckets.take('abuser')).toBe(1);
  });
});
