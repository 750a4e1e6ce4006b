import type { ClusterInventoryPort } from '../integrations/karmada/cluster-inventory.port';
import { createLogger } from '../observability/logger';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { ClusterSync } from './cluster-sync';

/** A Karmada API server that never answers a list: the call ends only when its signal aborts. */
class HangingInventory implements ClusterInventoryPort {
  readonly mode = 'real' as const;
  calls = 0;
  listClusters(signal?: AbortSignal): Promise<never> {
    this.calls++;
    return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
  }
}

describe('ClusterSync stopping', () => {
  it('ends a list in flight and releases what waits for the first sync, rather than hold SMO’s shutdown up to their bounds (30 s each)', async () => {
    const inventory = new HangingInventory();
    const sync = new ClusterSync({ inventory, dispatch: async () => undefined, readStore: new MemoryReadStore(), logger: createLogger({ level: 'silent' }), intervalMs: 60_000, owner: 'me', leaseTtlMs: 30_000 });
    sync.start();
    const waiting = sync.whenSynced(10 * 60_000);
    while (inventory.calls === 0) await new Promise((resolve) => setImmediate(resolve));
    // Within this test's 5 s timeout, far below the list's 30 s and the waiter's 10 min.
    await sync.stop();
    await waiting;
    expect(sync.status().lastSyncAt).toBeNull();
  }, 5_000);
});
