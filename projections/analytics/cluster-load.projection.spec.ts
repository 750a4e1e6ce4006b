import type { RecordedEvent } from '../../src/eventstore/event-store';
import { projectPage } from '../../src/processing/projection';
import type { StoredDocument } from '../../src/readstore/read-store';
import { summedAtEveryPoint } from '../../test/support/cluster-load-definition';
import { demoPlacementDecided } from '../../test/support/long-history';
import { CHUNK_POINTS, CLUSTER_LOAD_POINTS, clusterChunkId, clusterLoadProjection, latestPoints, type ClusterLoadDocument, type ClusterSeries } from './cluster-load.projection';
import type { GraphEvent } from '../../src/domain/graph/events';
import { loadByCluster, placedAfter, type PlacedResources } from './placed-resources.projection';

/** 40 graphs whose histories interleave on three clusters, with CPU figures that are not binary fractions, stops, starts and removals. */
function interleavedHistories(steps: number): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (let step = 0; step < steps; step++) {
    for (let g = 0; g < 40; g++) {
      if ((step * 31 + g * 17) % 5 !== 0) continue;
      const graphId = `g${g}`;
      const placed = events.some((e) => e.streamId === `graph-${graphId}` && e.type === 'PlacementDecided');
      const kind = !placed || step % 11 === 0 ? 'PlacementDecided' : step % 13 === 0 ? 'GraphStopped' : step % 17 === 0 ? 'GraphStarted' : step % 29 === 0 ? 'GraphRemoved' : 'ServiceScaled';
      const data =
        kind === 'PlacementDecided'
          ? demoPlacementDecided(graphId, { 'noise-reduction': `c${(g + step) % 3}`, 'image-detection': `c${(g + 1) % 3}` }, { cpu: 0.1 * ((g % 7) + 1), replicas: 1 + (step % 3) })
          : kind === 'ServiceScaled'
            ? { graphId, serviceId: 'image-detection', cluster: `c${(g + 1) % 3}`, from: 1, to: 1 + ((step + g) % 4), requestRate: 1, solver: 'highs', objective: 0 }
            : kind === 'GraphStarted'
              ? { graphId, overbooked: [] }
              : { graphId };
      const position = events.length + 1;
      events.push({ id: `e${position}`, type: kind, data, metadata: {}, streamId: `graph-${graphId}`, revision: 0, position, created: new Date(Date.UTC(2026, 2, 1) + position * 60_000).toISOString() });
    }
  }
  return events;
}

type Stored = Map<string, { doc: ClusterLoadDocument | null; position: number }>;

/**
 * Folds the events through projectPage in pages of the given sizes, like the runner, into a map that
 * behaves as the read store does: a delete leaves a tombstone, and a write older than the stored
 * position is ignored (the read-store contract).
 */
async function project(events: readonly RecordedEvent[], pageSizes: readonly number[], store: Stored = new Map()) {
  const load = async (_collection: string, ids: readonly string[]) =>
    new Map(ids.flatMap((id): Array<[string, StoredDocument<ClusterLoadDocument>]> => {
      const stored = store.get(id);
      return stored?.doc ? [[id, { id, doc: stored.doc, position: stored.position }]] : [];
    }));
  for (let start = 0, page = 0; start < events.length; page++) {
    const size = pageSizes[page % pageSizes.length]!;
    for (const write of await projectPage<ClusterLoadDocument>(load, clusterLoadProjection, { documents: 'c' }, events.slice(start, start + size))) {
      if (write.position <= (store.get(write.id)?.position ?? 0)) continue;
      store.set(write.id, { doc: write.kind === 'delete' ? null : (write.doc as ClusterLoadDocument), position: write.position });
    }
    start += size;
  }
  return store;
}

const documentsOf = (store: Stored) => [...store.values()].flatMap(({ doc }) => (doc ? [doc] : []));
const headsOf = (store: Stored) => documentsOf(store).filter((doc): doc is ClusterSeries => doc.kind === 'cluster');
/** Each cluster's latest points as the route reads them: its head and the chunks it names. */
function seriesOf(store: Stored, limit = CLUSTER_LOAD_POINTS) {
  const chunks = new Map(documentsOf(store).flatMap((doc) => (doc.kind === 'cluster-chunk' ? [[clusterChunkId(doc.cluster, doc.chunk), doc] as const] : [])));
  return Object.fromEntries(headsOf(store).map((head) => [head.cluster, latestPoints(head, chunks, limit)]));
}

/** Each graph's timeline with one point per event (what the placed-resources documents hold before they bucket). */
function placedResourcesOf(events: readonly RecordedEvent[]): PlacedResources[] {
  const docs = new Map<string, PlacedResources>();
  for (const event of events) {
    const graphId = (event.data as { graphId: string }).graphId;
    const doc = placedAfter(docs.get(graphId) ?? { graphId, running: true, services: {}, timeline: [] }, event as unknown as GraphEvent);
    docs.set(graphId, { ...doc, timeline: [...doc.timeline, { at: event.created, position: event.position, byCluster: loadByCluster(doc) }] });
  }
  return [...docs.values()];
}

describe('analytics: the load of each cluster, one document per cluster', () => {
  const events = interleavedHistories(60);

  it('gives the series the definition gives: after each change of a graph, the sum of every graph’s latest load, on each cluster it left or reached', async () => {
    const store = await project(events, [1000]);
    const series = seriesOf(store);
    expect(series).toEqual(summedAtEveryPoint(placedResourcesOf(events)));
    expect(Object.values(series).reduce((sum, points) => sum + points.length, 0)).toBeGreaterThan(400);
    expect(events.some((e) => e.type === 'GraphRemoved') && events.some((e) => e.type === 'GraphStopped')).toBe(true);
  });

  it('gives the same documents whatever the pages, and replaying pages already applied changes nothing', async () => {
    const whole = await project(events, [1000]);
    const oneByOne = await project(events, [1]);
    const uneven = await project(events, [7, 1, 30, 2]);
    expect(oneByOne).toEqual(whole);
    expect(uneven).toEqual(whole);
    // A crash after a commit and before the checkpoint: the runner applies pages again. A removed
    // graph's document is a tombstone the loader does not return, so its older events fold again:
    // the clusters' own positions must keep their follow-ups from counting twice.
    expect(events.filter((e) => e.type === 'GraphRemoved').length).toBeGreaterThan(0);
    expect(await project(events.slice(100, 250), [13, 40], uneven)).toEqual(whole);
    // Pages that straddle what was applied: old events and new ones folded together.
    const partial = await project(events.slice(0, 300), [50]);
    expect(await project(events.slice(120), [100], partial)).toEqual(whole);
  });

  it('a removed graph’s events folded again (its document is a tombstone) move no cluster twice', async () => {
    const event = (position: number, type: string, data: unknown): RecordedEvent => ({ id: `e${position}`, type, data, metadata: {}, streamId: 'graph-x', revision: 0, position, created: new Date(Date.UTC(2026, 2, 1) + position * 60_000).toISOString() });
    const history = [
      event(1, 'PlacementDecided', demoPlacementDecided('g', { 'noise-reduction': 'c1', 'image-detection': 'c1' })),
      event(2, 'GraphRemoved', { graphId: 'g' }),
      event(3, 'PlacementDecided', demoPlacementDecided('h', { 'noise-reduction': 'c1', 'image-detection': 'c1' })),
    ];
    const applied = await project(history.slice(0, 2), [2]);
    // Resubscribed from a checkpoint before them: one page with the events applied and the next.
    expect(await project(history, [3], applied)).toEqual(await project(history, [3]));
  });

  it('stays bounded: each cluster keeps its latest changes, with exact totals, and counts what it dropped', async () => {
    const history = interleavedHistories(1200);
    const removals = ['g0', 'g1', 'g2'].map((graphId, i): RecordedEvent => {
      const position = history.length + i + 1;
      return { id: `e${position}`, type: 'GraphRemoved', data: { graphId }, metadata: {}, streamId: `graph-${graphId}`, revision: 0, position, created: new Date(Date.UTC(2026, 2, 1) + position * 60_000).toISOString() };
    });
    const long = [...history, ...removals];
    const store = await project(long, [500]);
    const definition = summedAtEveryPoint(placedResourcesOf(long));
    const series = seriesOf(store);
    for (const head of headsOf(store)) {
      expect(definition[head.cluster]!.length).toBeGreaterThan(CLUSTER_LOAD_POINTS + 3 * CHUNK_POINTS);
      expect(head.changes).toBe(definition[head.cluster]!.length);
      expect(series[head.cluster]).toEqual(definition[head.cluster]!.slice(-CLUSTER_LOAD_POINTS));
      expect(seriesOf(store, 150)[head.cluster]).toEqual(definition[head.cluster]!.slice(-150));
      // The head holds at most a chunk's points; only the latest chunks are kept.
      const chunks = documentsOf(store).filter((doc) => doc.kind === 'cluster-chunk' && doc.cluster === head.cluster);
      expect(head.points.length).toBeLessThanOrEqual(CHUNK_POINTS);
      expect(chunks).toHaveLength(CLUSTER_LOAD_POINTS / CHUNK_POINTS);
    }
    for (const doc of documentsOf(store)) expect(JSON.stringify(doc).length).toBeLessThan(20_000);
    // Chunks are written over the slots of those no longer kept: no tombstones pile up.
    expect([...store].filter(([id, { doc }]) => id.startsWith('cluster:') && doc === null)).toEqual([]);
    // A graph whose last event removed it leaves no document behind.
    const lastTypes = new Map(long.map((event) => [(event.data as { graphId: string }).graphId, event.type]));
    const removed = [...lastTypes].filter(([, type]) => type === 'GraphRemoved').map(([graphId]) => graphId);
    expect(removed.length).toBeGreaterThan(0);
    expect(documentsOf(store).filter((doc) => doc.kind === 'graph' && removed.includes(doc.graphId))).toEqual([]);
    expect(documentsOf(store).filter((doc) => doc.kind === 'graph')).toHaveLength(lastTypes.size - removed.length);
  });
});
