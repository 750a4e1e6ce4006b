import { createLogger } from '../observability/logger';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { JobLease } from './job-lease';

const TTL_MS = 1_000;
const jobLease = (readStore: ReadStore, owner: string) => new JobLease<{ lastRunAt: string }>({ readStore, logger: createLogger({ level: 'silent' }), owner, ttlMs: TTL_MS }, 'job:test');

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
});
