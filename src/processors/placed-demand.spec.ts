import { effectiveClusters, placedDemand, unreflectedDemand } from './placed-demand';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { PlacementLedgerDocument } from '../../projections/placement-ledger.projection';
import type { ClusterDocument } from '../../projections/clusters.projection';

const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, second)).toISOString();
const graph = (graphId: string, placedAt: string, running = true): PlacementLedgerDocument => ({
  graphId,
  running,
  services: {
    a: { cluster: 'c1', cpu: 0.5, memoryBytes: 100, gpu: 0, replicas: 2, placedAt },
    b: { cluster: 'c2', cpu: 1, memoryBytes: 50, gpu: 1, replicas: 1, placedAt },
  },
});
const cluster = (name: string, allocationObservedAt: string) => ({ name, allocationObservedAt, updatedAt: allocationObservedAt }) as ClusterDocument;

describe('the placement ledger rule', () => {
  it('sums the demand of running graphs per cluster, replicas included', () => {
    expect(placedDemand([graph('g1', at(1)), graph('g2', at(2)), graph('stopped', at(3), false)])).toEqual({
      c1: { cpu: 2, memoryBytes: 400, gpu: 0 },
      c2: { cpu: 2, memoryBytes: 100, gpu: 2 },
    });
  });

  it('counts a placement until the inventory shows the cluster’s allocation changing after it, or the TTL passes', () => {
    const ledger = [graph('old', at(1)), graph('new', at(10))];
    // c1's allocation changed at second 5 (reflecting "old"); c2's never since second 0.
    const clusters = [cluster('c1', at(5)), cluster('c2', at(0))];
    expect(unreflectedDemand(ledger, clusters, new Date(at(11)), 60_000)).toEqual({
      c1: { cpu: 1, memoryBytes: 200, gpu: 0 },
      c2: { cpu: 2, memoryBytes: 100, gpu: 2 },
    });
    // At second 15, with a TTL of 9.5 s, "old" (placed at second 1) has expired: only "new" counts.
    expect(unreflectedDemand(ledger, clusters, new Date(at(15)), 9_500)).toEqual({
      c1: { cpu: 1, memoryBytes: 200, gpu: 0 },
      c2: { cpu: 1, memoryBytes: 50, gpu: 1 },
    });
  });

  it('gives a graph being re-placed its own demand back, within allocatable, so it does not compete with itself', async () => {
    const store = new MemoryReadStore();
    const c1 = { ...cluster('c1', at(0)), cpuAvailable: 3, cpuAllocatable: 4, memoryAvailableBytes: 1000, memoryAllocatableBytes: 1000, gpuAvailable: 0, gpuAllocatable: 0 };
    await store.commit([
      { kind: 'upsert', collection: 'clusters', id: 'c1', doc: c1, position: 1 },
      { kind: 'upsert', collection: 'placement-ledger', id: 'g1', doc: graph('g1', at(10)), position: 2 },
      { kind: 'upsert', collection: 'placement-ledger', id: 'g2', doc: graph('g2', at(10)), position: 3 },
    ]);
    const now = new Date(at(11));
    const inAllocation = { graphId: 'g1', inAllocation: () => true };
    const notInAllocation = { graphId: 'g1', inAllocation: () => false };
    // Both graphs' unreflected 1 CPU count against c1 for a newcomer ...
    expect((await effectiveClusters(store, now, 60_000))[0]).toMatchObject({ cpuAvailable: 1, memoryAvailableBytes: 600 });
    // ... while g1, re-placed, gets back what the ledger subtracted for it, whether or not its pods show in the allocation.
    expect((await effectiveClusters(store, now, 60_000, inAllocation))[0]).toMatchObject({ cpuAvailable: 2, memoryAvailableBytes: 800 });
    expect((await effectiveClusters(store, now, 60_000, notInAllocation))[0]).toMatchObject({ cpuAvailable: 2, memoryAvailableBytes: 800 });
    // Once the ledger no longer counts them (TTL passed), only services whose pods are in the reported allocation are given
    // back; more than allocatable is never offered.
    await store.commit([{ kind: 'upsert', collection: 'placement-ledger', id: 'g2', doc: graph('g2', at(10), false), position: 4 }]);
    expect((await effectiveClusters(store, now, 0, inAllocation))[0]).toMatchObject({ cpuAvailable: 4, memoryAvailableBytes: 1000 });
    expect((await effectiveClusters(store, now, 0, notInAllocation))[0]).toMatchObject({ cpuAvailable: 3, memoryAvailableBytes: 1000 });
  });
});
