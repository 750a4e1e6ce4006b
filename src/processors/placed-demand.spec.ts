import { effectiveClusters, placedDemand, placedDemandOf, unreflectedDemand } from './placed-demand';
import { logicalTarget, projectPage } from '../processing/projection';
import { CachingReadStore } from '../readstore/caching-read-store';
import { MemoryReadStore } from '../readstore/memory-read-store';
import { SqliteReadStore } from '../readstore/sqlite-read-store';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import type { ReadStore } from '../readstore/read-store';
import type { RecordedEvent } from '../eventstore/event-store';
import type { GraphEvent, PlacementDecided } from '../domain/graph/events';
import { MINUTE_MS, PLACED_DEMAND_ID, placedDemandTotals, placementLedgerProjection, type PlacementLedgerDocument } from '../../projections/placement-ledger.projection';
import type { ClusterDocument } from '../../projections/clusters.projection';
import { demoPlacementDecided, longHistoryEvent } from '../../test/support/long-history';

const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, second)).toISOString();
/** A ledger document as the projection writes it (with its indexed minute). */
const graph = (graphId: string, placedAt: string, running = true): PlacementLedgerDocument => ({
  graphId,
  running,
  services: {
    a: { cluster: 'c1', cpu: 0.5, memoryBytes: 100, gpu: 0, replicas: 2, placedAt },
    b: { cluster: 'c2', cpu: 1, memoryBytes: 50, gpu: 1, replicas: 1, placedAt },
  },
  placedMinute: Math.floor(Date.parse(placedAt) / MINUTE_MS),
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
    // Placement reads through the cache; the writes below reach the store behind it, as another process's would (its change stamp tells).
    const cached = new CachingReadStore(store);
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
    expect((await effectiveClusters(cached, now, 60_000))[0]).toMatchObject({ cpuAvailable: 1, memoryAvailableBytes: 600 });
    // ... while g1, re-placed, gets back what the ledger subtracted for it, whether or not its pods show in the allocation.
    expect((await effectiveClusters(cached, now, 60_000, inAllocation))[0]).toMatchObject({ cpuAvailable: 2, memoryAvailableBytes: 800 });
    expect((await effectiveClusters(cached, now, 60_000, notInAllocation))[0]).toMatchObject({ cpuAvailable: 2, memoryAvailableBytes: 800 });
    // Once the ledger no longer counts them (TTL passed), only services whose pods are in the reported allocation are given
    // back; more than allocatable is never offered.
    await store.commit([{ kind: 'upsert', collection: 'placement-ledger', id: 'g2', doc: graph('g2', at(10), false), position: 4 }]);
    expect((await effectiveClusters(cached, now, 0, inAllocation))[0]).toMatchObject({ cpuAvailable: 4, memoryAvailableBytes: 1000 });
    expect((await effectiveClusters(cached, now, 0, notInAllocation))[0]).toMatchObject({ cpuAvailable: 3, memoryAvailableBytes: 1000 });
  });
});

describe('a highAvailability service in the ledger', () => {
  /** Folds the graph events through the ledger projection, stamped at the given seconds. */
  function fold(events: Array<[number, GraphEvent]>): PlacementLedgerDocument | null {
    let doc: PlacementLedgerDocument | null = null;
    events.forEach(([second, event], index) => {
      const recorded: RecordedEvent = { id: `e${index}`, type: event.type, data: event.data, metadata: {}, streamId: 'graph-g1', revision: index, position: index + 1, created: at(second) };
      doc = placementLedgerProjection.evolve(doc, recorded, 'g1');
    });
    return doc;
  }
  // image-detection (1 core, 512 bytes) runs a full copy on c1 and c2; noise-reduction (0.5 core) on c1 only.
  const ha = { ...demoPlacementDecided('g1', { 'noise-reduction': 'c1', 'image-detection': 'c1' }), clusterSets: { 'image-detection': ['c1', 'c2'] } };

  it('counts a copy on every cluster of its set: in the demand, the totals and what a re-placement gets back', async () => {
    const doc = fold([[1, { type: 'PlacementDecided', data: ha }]])!;
    expect(Object.keys(doc.services).sort()).toEqual(['image-detection@c1', 'image-detection@c2', 'noise-reduction@c1']);
    const expected = { c1: { cpu: 1.5, memoryBytes: 768, gpu: 0 }, c2: { cpu: 1, memoryBytes: 512, gpu: 0 } };
    expect(placedDemand([doc])).toEqual(expected);
    expect(placedDemandTotals.evolve(null, { id: 'g1', before: null, after: doc })).toEqual({ clusters: { c1: { microCpu: 1_500_000, memoryBytes: 768, gpu: 0 }, c2: { microCpu: 1_000_000, memoryBytes: 512, gpu: 0 } } });
    // The graph re-placed gets back both copies' share, on c2 as on c1.
    const store = new MemoryReadStore();
    const capacity = { cpuAvailable: 4, cpuAllocatable: 4, memoryAvailableBytes: 4096, memoryAllocatableBytes: 4096, gpuAvailable: 0, gpuAllocatable: 0 };
    await store.commit([
      { kind: 'upsert', collection: 'clusters', id: 'c1', doc: { ...cluster('c1', at(0)), ...capacity }, position: 1 },
      { kind: 'upsert', collection: 'clusters', id: 'c2', doc: { ...cluster('c2', at(0)), ...capacity }, position: 2 },
      { kind: 'upsert', collection: 'placement-ledger', id: 'g1', doc, position: 3 },
    ]);
    const now = new Date(at(2));
    expect((await effectiveClusters(new CachingReadStore(store), now, 60_000)).map((c) => c.cpuAvailable)).toEqual([2.5, 3]);
    expect((await effectiveClusters(new CachingReadStore(store), now, 60_000, { graphId: 'g1', inAllocation: () => false })).map((c) => c.cpuAvailable)).toEqual([4, 4]);
  });

  it('scales every copy, keeps the placing time of a copy that stays, and stamps a new one', () => {
    const scaled = fold([
      [1, { type: 'PlacementDecided', data: ha }],
      [2, { type: 'ServiceScaled', data: { graphId: 'g1', serviceId: 'image-detection', cluster: 'c1', from: 1, to: 2, requestRate: 10, solver: 'highs', objective: 0 } }],
    ])!;
    expect(placedDemand([scaled])).toEqual({ c1: { cpu: 2.5, memoryBytes: 1280, gpu: 0 }, c2: { cpu: 2, memoryBytes: 1024, gpu: 0 } });
    // Re-placed with its set moved from c1, c2 to c2, c3: the copy on c2 was there before; the one on c3 is new.
    const moved = fold([
      [1, { type: 'PlacementDecided', data: ha }],
      [5, { type: 'PlacementDecided', data: { ...ha, clusterSets: { 'image-detection': ['c2', 'c3'] }, placement: { 'noise-reduction': 'c1', 'image-detection': 'c2' } } }],
    ])!;
    expect(Object.fromEntries(Object.entries(moved.services).map(([key, s]) => [key, s.placedAt]))).toEqual({ 'noise-reduction@c1': at(1), 'image-detection@c2': at(1), 'image-detection@c3': at(5) });
  });

  it('still reads a document of version 2 (keyed by service id), as it stays readable during the rebuild', () => {
    expect(placedDemand([graph('g1', at(1))])).toEqual({ c1: { cpu: 1, memoryBytes: 200, gpu: 0 }, c2: { cpu: 1, memoryBytes: 50, gpu: 1 } });
    const scaled = placementLedgerProjection.evolve(graph('g1', at(1)), { id: 'e', type: 'ServiceScaled', data: { graphId: 'g1', serviceId: 'a', cluster: 'c1', from: 2, to: 3, requestRate: 10, solver: 'highs', objective: 0 }, metadata: {}, streamId: 'graph-g1', revision: 1, position: 1, created: at(2) }, 'g1');
    expect(scaled?.services.a).toMatchObject({ cluster: 'c1', replicas: 3, placedAt: at(2) });
  });
});

describe('the ledger read behind placement', () => {
  const clusterNames = ['c1', 'c2', 'c3'];
  const start = Date.parse('2026-03-01T00:00:00Z');
  const placement = (graphId: string, index: number): PlacementDecided['data'] =>
    demoPlacementDecided(graphId, { 'noise-reduction': clusterNames[index % 3]!, 'image-detection': clusterNames[(index + 1) % 3]! }, { gpu: index % 5 === 0, replicas: 2 });

  /**
   * 60 graphs over four hours: each placed, then scaled (up and down), some stopped, started or
   * removed, at irregular times; folded by the ledger projection itself.
   */
  function scriptedEvents(): RecordedEvent[] {
    const events: Array<{ at: number; event: GraphEvent }> = [];
    for (let g = 0; g < 60; g++) {
      const graphId = `g${g}`;
      const basis = placement(graphId, g);
      let at = start + ((g * 7919) % 240) * MINUTE_MS;
      events.push({ at, event: { type: 'PlacementDecided', data: basis } });
      for (let i = 0; i < 12; i++) {
        at += (1 + ((g * 31 + i * 17) % 23)) * 20_000;
        events.push({ at, event: longHistoryEvent(graphId, g + i, basis) });
        if (i === 4 && g % 6 === 1) events.push({ at: at + 1, event: { type: 'GraphStopped', data: { graphId } } });
        if (i === 8 && g % 6 === 1) events.push({ at: at + 1, event: { type: 'GraphStarted', data: { graphId, overbooked: [] } } });
      }
      if (g % 10 === 3) events.push({ at: at + 5_000, event: { type: 'GraphRemoved', data: { graphId } } as GraphEvent });
    }
    events.sort((a, b) => a.at - b.at);
    return events.map(({ at, event }, index) => ({
      id: `e${index}`,
      type: event.type,
      data: event.data,
      metadata: {},
      streamId: `graph-${(event.data as { graphId: string }).graphId}`,
      revision: index,
      position: index + 1,
      created: new Date(at).toISOString(),
    }));
  }

  const history = scriptedEvents();

  /** The ledger and the clusters as they stand at `now`: the events up to then, folded. */
  async function ledgerIn(store: ReadStore, now: Date): Promise<PlacementLedgerDocument[]> {
    const docs = new Map<string, PlacementLedgerDocument | null>();
    const relevant = history.filter((e) => placementLedgerProjection.filter.eventTypes!.includes(e.type) && Date.parse(e.created) <= now.getTime());
    for (const event of relevant) {
      for (const id of placementLedgerProjection.documentIds(event)) docs.set(id, placementLedgerProjection.evolve(docs.get(id) ?? null, event, id));
    }
    const live = [...docs].filter((entry): entry is [string, PlacementLedgerDocument] => entry[1] !== null);
    await store.commit(live.map(([id, doc], i) => ({ kind: 'upsert' as const, collection: 'placement-ledger', id, doc, position: i + 1 })));
    const clusters = clusterNames.map((name, i) => ({
      ...cluster(name, new Date(start + (60 + i * 50) * MINUTE_MS).toISOString()),
      cpuAvailable: 10_000,
      cpuAllocatable: 20_000,
      memoryAvailableBytes: 1e12,
      memoryAllocatableBytes: 2e12,
      gpuAvailable: 500,
      gpuAllocatable: 1000,
    }));
    await store.commit(clusters.map((doc, i) => ({ kind: 'upsert' as const, collection: 'clusters', id: doc.name, doc, position: live.length + i + 1 })));
    return live.map(([, doc]) => doc);
  }

  it('keeps totals equal to the sum over every ledger document, after every page, with pages applied twice; without them it sums the documents', async () => {
    const relevant = history.filter((e) => placementLedgerProjection.filter.eventTypes!.includes(e.type));
    expect(relevant.filter((e) => e.type === 'GraphRemoved').length).toBeGreaterThan(2);
    const everyDocument = async (store: ReadStore) => placedDemand((await store.find<PlacementLedgerDocument>('placement-ledger')).map(({ doc }) => doc));
    for (const pageSize of [1, 13, relevant.length]) {
      const store = new SqliteReadStore(new SqliteDatabase({ path: ':memory:' }));
      for (let from = 0; from < relevant.length; from += pageSize) {
        const page = relevant.slice(from, from + pageSize);
        for (let twice = 0; twice < 2; twice++) {
          await store.commit(await projectPage((collection, ids) => store.getMany(collection, ids), placementLedgerProjection, logicalTarget(placementLedgerProjection), page));
        }
        expect(await placedDemandOf(store)).toEqual(await everyDocument(store));
      }
      // GPUs, and clusters some graphs left.
      expect(Object.values(await placedDemandOf(store)).some((demand) => demand.gpu > 0)).toBe(true);
      // A ledger without totals (written before them): every document is summed, as before.
      const totals = (await store.get(placedDemandTotals.collection, PLACED_DEMAND_ID))!;
      const expected = await placedDemandOf(store);
      await store.commit([{ kind: 'delete', collection: placedDemandTotals.collection, id: PLACED_DEMAND_ID, position: totals.position + 1 }]);
      expect(await placedDemandOf(store)).toEqual(expected);
    }
  });

  it.each([
    ['memory', () => new MemoryReadStore()],
    ['SQLite', () => new SqliteReadStore(new SqliteDatabase({ path: ':memory:' }))],
  ])('reads only recent placements yet counts what a scan of the whole ledger counts (%s)', async (_name, create) => {
    let compared = 0;
    let counted = 0;
    let leftOut = 0;
    for (let minute = -10; minute <= 320; minute += 7) {
      const now = new Date(start + minute * MINUTE_MS + 13_000);
      const store = create();
      const ledger = await ledgerIn(store, now);
      const clusters = (await store.find<ClusterDocument>('clusters', { orderBy: [{ field: 'name' }] })).map(({ doc }) => doc);
      leftOut = Math.max(leftOut, ledger.filter((doc) => (doc.placedMinute ?? 0) < Math.floor((now.getTime() - 300_000) / MINUTE_MS)).length);
      for (const ttlMs of [0, 30_000, 300_000, 3_600_000, 86_400_000]) {
        const scan = unreflectedDemand(ledger, clusters, now, ttlMs);
        const read = await effectiveClusters(new CachingReadStore(store), now, ttlMs);
        for (const doc of read) {
          const demand = scan[doc.name] ?? { cpu: 0, memoryBytes: 0, gpu: 0 };
          expect([doc.name, doc.cpuAvailable, doc.memoryAvailableBytes, doc.gpuAvailable]).toEqual([
            doc.name,
            Math.round((10_000 - demand.cpu) * 1000) / 1000,
            1e12 - demand.memoryBytes,
            500 - demand.gpu,
          ]);
          compared++;
          if (demand.cpu > 0) counted++;
        }
      }
    }
    // The comparison covered moments where placements counted, and ledgers holding many graphs the window left out.
    expect(compared).toBe(48 * 5 * 3);
    expect(counted).toBeGreaterThan(100);
    expect(leftOut).toBeGreaterThan(30);
  });
});
