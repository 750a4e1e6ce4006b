import { createLogger } from '../observability/logger';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { JobLease } from './job-lease';

const TTL_MS = 1_000;
const jobLease = (readStore: ReadStore, owner: string) => new JobLease<{ lastRunAt: string }>({ readStore, logger: createLogger({ level: 'silent' }), owner, ttlMs: TTL_MS }, 'job:test');

/** A real store whose next `failures` lease writes by `owner` fail as a busy SQLite or a reset MongoDB connection would. */
function storeFailingRenewals(owner: string): { store: ReadStore; fail(failures: number): void; failed(): number } {
  let failing = 0;
  let failed = 0;
  const store = new Proxy(new MemoryReadStore(), {
    get(target, property, receiver) {
      if (property !== 'acquireLease') return Reflect.get(target, property, receiver);
      return async (name: string, by: string, ttlMs: number) => {
        if (by === owner && failing > 0) {
          failing--;
          failed++;
          throw Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR', errcode: 5 });
        }
        return target.acquireLease(name, by, ttlMs);
      };
    },
  });
  return { store, fail: (failures) => (failing = failures), failed: () => failed };
}

describe('JobLease', () => {
  it("an instance standing by takes a job's lease about one TTL after its holder's last renewal, however long the job's wait", async () => {
    const store = new MemoryReadStore();
    expect(await store.acquireLease('job:test', 'dead', TTL_MS)).toBe(true); // taken, never renewed
    const standby = jobLease(store, 'standby');
    expect(await standby.hold()).toBe(false);
    const started = performance.now();
    expect(await standby.wait(60_000, AbortSignal.timeout(5_000))).toBe(true);
    expect(performance.now() - started).toBeLessThan(TTL_MS + 500);
    expect(await standby.hold()).toBe(true);
    await standby.release();
  });

  it('is kept by its holder (renewed every third of its TTL) through waits longer than the TTL; only the holder records its status', async () => {
    const store = new MemoryReadStore();
    const holder = jobLease(store, 'holder');
    const standby = jobLease(store, 'standby');
    expect(await holder.hold()).toBe(true);
    const [held, took] = await Promise.all([holder.wait(TTL_MS * 2, new AbortController().signal), standby.wait(TTL_MS * 2, new AbortController().signal)]);
    expect({ held, took }).toEqual({ held: false, took: false });
    expect(await holder.hold()).toBe(true);
    expect(await standby.hold()).toBe(false);

    await holder.record({ lastRunAt: 'by the holder' });
    await standby.record({ lastRunAt: 'by the standby' });
    expect(await standby.recorded()).toEqual({ lastRunAt: 'by the holder' });
    await holder.release();
    expect(await standby.hold()).toBe(true);
    await standby.release();
  });

  it('a holder paused past the TTL (its renewals not answered in time) records nothing: another instance may hold the job by now', async () => {
    const store = new MemoryReadStore();
    const holder = jobLease(store, 'holder');
    expect(await holder.hold()).toBe(true);
    await holder.record({ lastRunAt: 'before the pause' });
    const pausedUntil = performance.now() + TTL_MS + 50;
    while (performance.now() < pausedUntil); // the event loop blocked: no renewal ran
    await holder.record({ lastRunAt: 'after the pause' });
    expect(await holder.recorded()).toEqual({ lastRunAt: 'before the pause' });
    await holder.release();
  });

  it('a renewal that fails (the store busy) is retried within the TTL: the holder keeps the job, and no instance takes it over', async () => {
    const { store, fail, failed } = storeFailingRenewals('holder');
    const holder = jobLease(store, 'holder');
    const standby = jobLease(store, 'standby');
    expect(await holder.hold()).toBe(true);
    fail(1);
    const [tookBack, took] = await Promise.all([holder.wait(TTL_MS * 2, new AbortController().signal), standby.wait(TTL_MS * 2, new AbortController().signal)]);
    expect(failed()).toBe(1);
    // Taking the job afresh (true) is what a holder that gave it up at the error did.
    expect({ tookBack, took, holding: holder.holding }).toEqual({ tookBack: false, took: false, holding: true });
    await holder.release();
    await standby.release();
  });

  it('renewals that fail until the TTL ran out lose the job: an instance standing by takes it', async () => {
    const { store, fail } = storeFailingRenewals('holder');
    const holder = jobLease(store, 'holder');
    const standby = jobLease(store, 'standby');
    expect(await holder.hold()).toBe(true);
    fail(Number.POSITIVE_INFINITY);
    expect(await standby.wait(TTL_MS * 3, AbortSignal.timeout(TTL_MS * 3))).toBe(true);
    expect(holder.holding).toBe(false);
    await standby.release();
    await holder.release().catch(() => undefined);
  });
});
