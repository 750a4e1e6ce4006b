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
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('heldThroughout: false once the lease lapsed (this process paused past its TTL) and another owner took and released it, though it could be taken back', async () => {
    const store = new MemoryReadStore();
    const paused = new LeaseKeeper(store, 'placement', 'paused', 100);
    expect(await paused.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    expect(await paused.heldThroughout()).toBe(true);
    await sleep(150); // no renewal: as a process stopped for 150 ms would be
    const other = new LeaseKeeper(store, 'placement', 'other', 100);
    expect(await other.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    await other.release();
    expect(await paused.heldThroughout()).toBe(false);
    // What confirm() alone would have said: the lease is free, so it takes it back.
    expect(await new LeaseKeeper(store, 'placement', 'paused', 100).confirm()).toBe(true);
  });

  it('heldThroughout: true through renewals for longer than the TTL, false after a renewal answered past it (a slow store)', async () => {
    const slow = storeWithSlowRenewals();
    const holder = new LeaseKeeper(slow.store, 'placement', 'holder', 1_000);
    expect(await holder.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    holder.keepRenewed(() => undefined);
    await sleep(1_500);
    expect(await holder.heldThroughout()).toBe(true);
    slow.hold();
    await slow.inFlight(); // the next renewal reaches the store…
    await sleep(1_100); // …and is answered only after the TTL
    slow.letGo();
    await sleep(10);
    holder.stopRenewing();
    expect(await holder.heldThroughout()).toBe(false);
  });

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

  it("a renewal that fails (a store hiccup) is retried, not a loss: a runner's session goes on", async () => {
    let failures = 0;
    const store = new Proxy(new MemoryReadStore(), {
      get(target, property, receiver) {
        if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
        return (name: string, owner: string, ttlMs: number) => (owner === 'holder' && failures-- > 0 ? Promise.reject(new Error('connection reset')) : target.acquireLease(name, owner, ttlMs));
      },
    });
    // A TTL long enough that a busy machine's delays (hundreds of ms under CI) are not what runs it out.
    const holder = new LeaseKeeper(store, 'processor:x', 'holder', 3_000);
    expect(await holder.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    failures = 1;
    const lost: string[] = [];
    const failed: unknown[] = [];
    holder.keepRenewed(() => lost.push('lost'), (error) => failed.push(error));
    // Renewals at 1 s (refused, retried) and 2 s.
    await sleep(2_500);
    holder.stopRenewing();
    expect({ failed: failed.length, lost }).toEqual({ failed: 1, lost: [] });
    expect(await holder.heldThroughout()).toBe(true);
  });

  it('a renewal the store leaves unanswered is not waited on past the TTL: the lease is renewed again meanwhile', async () => {
    let hang = false;
    const store = new Proxy(new MemoryReadStore(), {
      get(target, property, receiver) {
        if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
        return (name: string, owner: string, ttlMs: number) => (hang && !(hang = false) ? new Promise<boolean>(() => undefined) : target.acquireLease(name, owner, ttlMs));
      },
    });
    const holder = new LeaseKeeper(store, 'processor:x', 'holder', 3_000);
    expect(await holder.acquire(AbortSignal.timeout(1_000), () => undefined)).toBe(true);
    hang = true;
    const lost: string[] = [];
    holder.keepRenewed(() => lost.push('lost'));
    // The renewal at 1 s hangs, counts as failed at 2 s and is asked again; waited on, the lease would run out at 3 s.
    await sleep(3_500);
    holder.stopRenewing();
    expect(lost).toEqual([]);
    expect(await holder.heldThroughout()).toBe(true);
  });

  it('a lease held by another owner is not taken before it lapses', async () => {
    const store = new MemoryReadStore();
    expect(await new LeaseKeeper(store, 'approvals', 'first', 10_000).confirm()).toBe(true);
    expect(await new LeaseKeeper(store, 'approvals', 'second', 10_000).acquire(AbortSignal.timeout(200), () => undefined, BRIEF_LEASE_POLL)).toBe(false);
  });
});
