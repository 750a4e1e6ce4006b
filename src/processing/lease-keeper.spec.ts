import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { BRIEF_LEASE_POLL, LeaseKeeper } from './lease-keeper';

/** A store whose lease renewals can be held in flight (a slow database answering late), the rest as the real store. */
function storeWithSlowRenewals(): { store: ReadStore; hold(): void; inFlight(): Promise<void>; letGo(): void } {
  const real = new MemoryReadStore();
  let holding = false;
  let arrived: () => void = () => undefined;
  let arrival = new Promise<void>((resolve) => (arrived = resolve));
  let release: () => void = () => undefined;
  const gate = () => new Promise<void>((resolve) => (release = resolve));
  const store = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
      return async (name: string, owner: string, ttlMs: number) => {
        if (holding) {
          holding = false;
          const opened = gate();
          arrived();
          await opened;
        }
        return target.acquireLease(name, owner, ttlMs);
      };
    },
  });
  return {
    store,
    hold: () => {
      holding = true;
      arrival = new Promise<void>((resolve) => (arrived = resolve));
    },
    inFlight: () => arrival,
    letGo: () => release(),
  };
}

/** A real store that counts the lease writes each owner sends it. */
function countingStore(): { store: ReadStore; writes: Map<string, number> } {
  const writes = new Map<string, number>();
  const store = new Proxy(new MemoryReadStore(), {
    get(target, property, receiver) {
      if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
      return (name: string, owner: string, ttlMs: number) => {
        writes.set(owner, (writes.get(owner) ?? 0) + 1);
        return target.acquireLease(name, owner, ttlMs);
      };
    },
  });
  return { store, writes };
}

describe('LeaseKeeper', () => {
  it('a waiter for a lease held briefly (an approval) backs off: about ten writes in its first second, not a hundred', async () => {
    const { store, writes } = countingStore();
    expect(await new LeaseKeeper(store, 'approvals', 'first', 10_000).confirm()).toBe(true);
    expect(await new LeaseKeeper(store, 'approvals', 'second', 10_000).acquire(AbortSignal.timeout(1_000), () => undefined, BRIEF_LEASE_POLL)).toBe(false);
    expect(writes.get('second')).toBeGreaterThanOrEqual(5);
    expect(writes.get('second')).toBeLessThanOrEqual(12);
  });

  it('…and, however long it has waited, takes the lease within its longest pause of the release', async () => {
    const { store } = countingStore();
    const first = new LeaseKeeper(store, 'approvals', 'first', 10_000);
    expect(await first.confirm()).toBe(true);
    let acquiredAt = 0;
    const waiting = new LeaseKeeper(store, 'approvals', 'second', 10_000).acquire(AbortSignal.timeout(5_000), () => undefined, BRIEF_LEASE_POLL).then((held) => {
      acquiredAt = Date.now();
      return held;
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await first.release();
    const releasedAt = Date.now();
    expect(await waiting).toBe(true);
    expect(acquiredAt - releasedAt).toBeLessThan(BRIEF_LEASE_POLL.maxDelayMs + 250);
  });

  it("a runner's waiter (the default) asks every tenth of the TTL, as before, and takes over a dead owner's lease within about the TTL", async () => {
    const { store, writes } = countingStore();
    expect(await new LeaseKeeper(store, 'projection:x', 'dead', 500).confirm()).toBe(true);
    const started = Date.now();
    expect(await new LeaseKeeper(store, 'projection:x', 'next', 500).acquire(AbortSignal.timeout(2_000), () => undefined)).toBe(true);
    expect(Date.now() - started).toBeLessThan(800);
    // Every 50 ms (a tenth of 500 ms, at least 50): the lease lapses after ten pauses.
    expect(writes.get('next')).toBeGreaterThanOrEqual(8);
    expect(writes.get('next')).toBeLessThanOrEqual(11);
  });

  it('a renewal in flight when the lease is released does not take it back: the next owner gets it at once', async () => {
    const slow = storeWithSlowRenewals();
    const first = new LeaseKeeper(slow.store, 'approvals', 'first', 300);
    expect(await first.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    slow.hold();
    first.keepRenewed(() => undefined);
    await slow.inFlight(); // a renewal (every 100 ms) is on its way to the store
    const released = first.release();
    slow.letGo();
    await released;
    expect(await slow.store.acquireLease('approvals', 'second', 300)).toBe(true);
  });

  it('a lease held by another owner is not taken before it lapses', async () => {
    const store = new MemoryReadStore();
    expect(await new LeaseKeeper(store, 'approvals', 'first', 10_000).confirm()).toBe(true);
    expect(await new LeaseKeeper(store, 'approvals', 'second', 10_000).acquire(AbortSignal.timeout(200), () => undefined, BRIEF_LEASE_POLL)).toBe(false);
  });
});
