import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { LeaseKeeper } from './lease-keeper';

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

describe('LeaseKeeper', () => {
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
    expect(await new LeaseKeeper(store, 'approvals', 'second', 10_000).acquire(AbortSignal.timeout(200), () => undefined, 10)).toBe(false);
  });
});
