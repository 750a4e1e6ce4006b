import { capacityShortfalls, proposalShortfalls } from './proposal-capacity';
import { CachingReadStore } from '../readstore/caching-read-store';
import { MemoryReadStore } from '../readstore/memory-read-store';
import type { ExistingGraph } from '../domain/graph/state';
import type { ClusterCapacity } from '../optimizer';
import type { ClusterDocument } from '../../projections/clusters.projection';
import { MINUTE_MS, type PlacementLedgerDocument } from '../../projections/placement-ledger.projection';
import { demoPlacementDecided } from '../../test/support/long-history';

const capacity = (name: string, cpu: number, available = true): ClusterCapacity => ({ name, cpu, memoryBytes: 4096, gpu: 0, available });
// noise-reduction 0.5 core / 256 bytes, image-detection 1 core / 512 bytes.
const onC2 = demoPlacementDecided('g1', { 'noise-reduction': 'c2', 'image-detection': 'c2' });

describe('a proposal against the capacity there is now', () => {
  it('fits where every copy fits; names the cluster it would overbook, every copy of a highAvailability service counted', () => {
    expect(capacityShortfalls([capacity('c1', 4), capacity('c2', 1.5)], onC2)).toEqual([]);
    expect(capacityShortfalls([capacity('c1', 4), capacity('c2', 1)], onC2)).toEqual([{ constraint: 'cpu', subject: 'c2', detail: '1.5 > 1 cores' }]);
    // image-detection's copy on c1 as well: 1 core there too.
    const ha = { ...onC2, clusterSets: { 'image-detection': ['c2', 'c1'] } };
    expect(capacityShortfalls([capacity('c1', 0.5), capacity('c2', 1.5)], ha)).toEqual([{ constraint: 'cpu', subject: 'c1', detail: '1 > 0.5 cores' }]);
  });

  it('refuses a cluster lost or gone since; latency is not what it re-checks', () => {
    expect(capacityShortfalls([capacity('c2', 4, false)], onC2).map((v) => v.constraint)).toEqual(['unavailable-cluster', 'unavailable-cluster']);
    expect(capacityShortfalls([capacity('c1', 4)], onC2).map((v) => v.constraint)).toEqual(['unknown-cluster', 'unknown-cluster']);
    const latency = { ...onC2, placement: { 'noise-reduction': 'c1', 'image-detection': 'c2' }, inputs: { ...onC2.inputs, services: onC2.inputs.services.map((s) => ({ ...s, latencies: [{ connectionPoint: s.id === 'noise-reduction' ? 'image-detection' : 'noise-reduction', qos: 'ultralow' as const }] })) } };
    expect(capacityShortfalls([capacity('c1', 4), capacity('c2', 4)], latency)).toEqual([]);
  });

  it('gives the graph its own demand back: what it holds on a cluster does not compete with its proposal', async () => {
    const store = new MemoryReadStore();
    const now = new Date(Date.UTC(2026, 0, 1, 12));
    const at = now.toISOString();
    const cluster = { name: 'c2', available: true, cpuAvailable: 1, cpuAllocatable: 3, memoryAvailableBytes: 4096, memoryAllocatableBytes: 4096, gpuAvailable: 0, gpuAllocatable: 0, updatedAt: at, allocationObservedAt: new Date(now.getTime() - 60_000).toISOString() } as ClusterDocument;
    // The graph runs noise-reduction (0.5 core) on c2, placed after the last observation: the ledger counts it there.
    const own: PlacementLedgerDocument = { graphId: 'g1', running: true, services: { 'noise-reduction@c2': { serviceId: 'noise-reduction', cluster: 'c2', cpu: 0.5, memoryBytes: 256, gpu: 0, replicas: 1, placedAt: at } }, placedMinute: Math.floor(now.getTime() / MINUTE_MS) };
    await store.commit([
      { kind: 'upsert', collection: 'clusters', id: 'c2', doc: cluster, position: 1 },
      { kind: 'upsert', collection: 'placement-ledger', id: 'g1', doc: own, position: 2 },
    ]);
    const graph = { graphId: 'g1', normalised: { services: [] } } as unknown as ExistingGraph;
    const ledger = { now, ttlMs: 300_000, inventoryShowsPlacements: false };
    // 1 core reported free, less the ledger's 0.5, plus the graph's own 0.5 back: 1 core for 1.5 asked.
    expect(await proposalShortfalls(new CachingReadStore(store), graph, onC2, ledger)).toEqual([{ constraint: 'cpu', subject: 'c2', detail: '1.5 > 1 cores' }]);
    await store.commit([{ kind: 'upsert', collection: 'clusters', id: 'c2', doc: { ...cluster, cpuAvailable: 1.5 }, position: 3 }]);
    expect(await proposalShortfalls(new CachingReadStore(store), graph, onC2, ledger)).toEqual([]);
  });
});
