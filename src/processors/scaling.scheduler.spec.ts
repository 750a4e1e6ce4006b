import { createLogger } from '../observability/logger';
import { JobLease } from '../processing/job-lease';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ReadStore } from '../readstore/read-store';
import { ScalingScheduler, type ScalingStatus } from './scaling.scheduler';

const logger = createLogger({ level: 'silent' });
const LEASE_TTL_MS = 20_000;

/** An autoscaler over an empty read store: its rounds scale nothing, so neither Prometheus nor Karmada is asked. */
const scheduler = (readStore: ReadStore, owner: string, intervalSeconds: number) =>
  new ScalingScheduler({
    readStore,
    rates: { requestRate: async () => ({ ok: true, rate: null }) },
    scaler: { mode: 'simulated', scale: async () => undefined },
    replicas: { replicas: async () => ({ replicas: new Map(), unanswered: null }) },
    dispatch: async () => ({ events: [], revision: 0 }),
    graphs: { recordedSince: async () => ({ recorded: false, revision: 0 }) },
    solver: async () => {
      throw new Error('no graph to solve for');
    },
    logger,
    metrics: { scaleCallsGivenUp: () => undefined },
    intervalSeconds,
    metric: 'requests_total',
    namespaceLabel: null,
    owner,
    leaseTtlMs: LEASE_TTL_MS,
    inventoryShowsPlacements: true,
  });

const status = (lastRoundAt: string): ScalingStatus => ({ lastRoundAt, lastError: null, consecutiveFailures: 0, servicesWithoutData: 0 });

async function until<T>(read: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ScalingScheduler lease', () => {
  it("an instance that takes the lease at its own round time (the holder released it just before) scales an interval after the holder's last round, not at once", async () => {
    const store = new MemoryReadStore();
    const holder = new JobLease<ScalingStatus>({ readStore: store, logger, owner: 'holder', ttlMs: LEASE_TTL_MS }, 'job:scaling');
    expect(await holder.hold()).toBe(true);
    const standby = scheduler(store, 'standby', 1);
    standby.start();
    try {
      // In step with the standby's rounds: it adopts the holder's status at each of them.
      const earlier = new Date(Date.now() - 1000).toISOString();
      await holder.record(status(earlier));
      await until(() => (standby.status().lastRoundAt === earlier ? true : null), 3_000);
      // The holder scales 800 ms into the standby's interval, and stops (a rolling update): the standby's next round
      // time comes 200 ms later.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const last = new Date().toISOString();
      await holder.record(status(last));
      await holder.release();
      const own = await until(() => {
        const at = standby.status().lastRoundAt;
        return at !== null && at !== earlier && at !== last ? at : null;
      }, 5_000);
      expect(Date.parse(own) - Date.parse(last)).toBeGreaterThanOrEqual(1000 - 20);
    } finally {
      await standby.stop();
    }
  });
});
