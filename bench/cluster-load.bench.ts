/**
 * GET /analytics/cluster-load reads one document per cluster (the analytics-cluster-load
 * projection), where it read every graph's placed-resources timeline and merged them on each
 * request (clusterLoadSeries). Both reads, side by side on one SQLite read store, at 100, 1,000 and
 * 10,000 graphs of 100 changes each (three clusters), checked to give the same latest points; plus
 * what the projection costs per event: folded a page of 1,000 at a time (catch-up), and live, one event
 * per page, read and committed (its follow-ups rewrite the heads of the clusters it moves, and a chunk
 * when a head fills up).
 * Prints JSON. Goal (not a test): the read does not grow with the graphs.
 *
 *   npm run bench:cluster-load              # 100, 1,000 and 10,000 graphs (about a minute)
 *   npm run bench:cluster-load -- --quick   # 100 and 1,000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CLUSTER_LOAD_POINTS, chunkIdsFor, clusterLoadProjection, latestPoints, type ClusterChunk, type ClusterLoadDocument, type ClusterSeries } from '../projections/analytics/cluster-load.projection';
import { clusterLoadSeries, placedResourcesProjection, type PlacedResources } from '../projections/analytics/placed-resources.projection';
import type { RecordedEvent } from '../src/eventstore/event-store';
import { logicalTarget, projectPage } from '../src/processing/projection';
import type { DocumentWrite, StoredDocument } from '../src/readstore/read-store';
import { SqliteReadStore } from '../src/readstore/sqlite-read-store';
import { SqliteDatabase } from '../src/sqlite/sqlite-database';
import { demoPlacementDecided } from '../test/support/long-history';

const quick = process.argv.includes('--quick');
const GRAPHS = quick ? [100, 1_000] : [100, 1_000, 10_000];
const CHANGES_PER_GRAPH = 100;
const READS = 5;

/** Each graph placed, then scaled, its changes interleaved with every other graph's. */
function events(graphs: number): RecordedEvent[] {
  const all: RecordedEvent[] = [];
  for (let change = 0; change < CHANGES_PER_GRAPH; change++) {
    for (let g = 0; g < graphs; g++) {
      const graphId = `g${g}`;
      const data =
        change === 0
          ? demoPlacementDecided(graphId, { 'noise-reduction': `c${g % 3}`, 'image-detection': `c${(g + 1) % 3}` }, { cpu: 0.1 * ((g % 7) + 1) })
          : { graphId, serviceId: 'image-detection', cluster: `c${(g + 1) % 3}`, from: 1, to: 1 + ((change + g) % 4), requestRate: 1, solver: 'highs', objective: 0 };
      const position = all.length + 1;
      all.push({ id: `e${position}`, type: change === 0 ? 'PlacementDecided' : 'ServiceScaled', data, metadata: {}, streamId: `graph-${graphId}`, revision: change, position, created: new Date(Date.UTC(2026, 0, 1) + position * 1000).toISOString() });
    }
  }
  return all;
}

/** Folds the events into documents as the projection runner does, a page of 1,000 at a time, keeping them in memory. */
async function fold<TDoc>(projection: typeof clusterLoadProjection | typeof placedResourcesProjection, all: readonly RecordedEvent[]): Promise<DocumentWrite[]> {
  const documents = new Map<string, StoredDocument<TDoc>>();
  const load = async (_collection: string, ids: readonly string[]) => new Map(ids.flatMap((id) => (documents.has(id) ? [[id, documents.get(id)!] as const] : [])));
  for (let start = 0; start < all.length; start += 1000) {
    for (const write of await projectPage<TDoc>(load, projection as never, { documents: projection.collection }, all.slice(start, start + 1000))) {
      if (write.kind === 'upsert') documents.set(write.id, { id: write.id, doc: write.doc as TDoc, position: write.position });
      else documents.delete(write.id);
    }
  }
  return [...documents.values()].map(({ id, doc, position }) => ({ kind: 'upsert', collection: projection.collection, id, doc, position }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const samples: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    result = await work();
    samples.push(performance.now() - started);
  }
  return { ms: Math.round(median(samples) * 10) / 10, result: result! };
}

async function main(): Promise<void> {
  const results = [];
  for (const graphs of GRAPHS) {
    const dir = mkdtempSync(join(tmpdir(), 'smo-bench-cluster-load-'));
    const database = new SqliteDatabase({ path: join(dir, 'read.db') });
    const store = new SqliteReadStore(database);
    try {
      const all = events(graphs);
      const foldStarted = performance.now();
      const clusterDocs = await fold<ClusterLoadDocument>(clusterLoadProjection, all);
      const foldMs = performance.now() - foldStarted;
      const graphDocs = await fold<PlacedResources>(placedResourcesProjection, all);
      for (const writes of [clusterDocs, graphDocs]) for (let i = 0; i < writes.length; i += 1000) await store.commit(writes.slice(i, i + 1000));

      // What the route reads now: one document per cluster.
      const now = await timed(async () => {
        const heads = (await store.find<ClusterSeries>(clusterLoadProjection.collection, { where: { kind: 'cluster' }, orderBy: [{ field: 'cluster' }] })).map(({ doc }) => doc);
        const found = await store.getMany<ClusterChunk>(clusterLoadProjection.collection, heads.flatMap((head) => chunkIdsFor(head, CLUSTER_LOAD_POINTS)));
        const chunks = new Map([...found].map(([id, { doc }]) => [id, doc]));
        return Object.fromEntries(heads.map((head) => [head.cluster, latestPoints(head, chunks, CLUSTER_LOAD_POINTS)]));
      });
      // What it read before: every graph's timeline, merged on each request.
      const before = await timed(async () => {
        const docs = await store.find<PlacedResources>(placedResourcesProjection.collection, { orderBy: [{ field: 'graphId' }] });
        const series = clusterLoadSeries(docs.map(({ doc }) => doc));
        return Object.fromEntries(Object.entries(series).map(([cluster, points]) => [cluster, points.slice(-CLUSTER_LOAD_POINTS)]));
      });
      // Live, each event is a page of its own: folded, then committed with its documents (a cluster's series rewritten whole).
      const liveEvents = events(graphs).slice(-1000).map((event, i) => ({ ...event, position: all.length + i + 1 }));
      const liveStarted = performance.now();
      for (const event of liveEvents) {
        await store.commit(await projectPage<ClusterLoadDocument>((collection, ids) => store.getMany(collection, ids), clusterLoadProjection, logicalTarget(clusterLoadProjection), [event]));
      }
      const liveMicroseconds = Math.round(((performance.now() - liveStarted) * 1000) / liveEvents.length);
      // The graphs' timelines keep their latest 100 changes exactly, so both give the same latest points.
      if (!isDeepStrictEqual(now.result, before.result)) throw new Error(`at ${graphs} graphs the two reads disagree`);
      results.push({
        graphs,
        events: all.length,
        readMs: now.ms,
        mergeEveryGraphMs: before.ms,
        mergeOverRead: Math.round((before.ms / Math.max(now.ms, 0.1)) * 10) / 10,
        foldMicrosecondsPerEvent: Math.round((foldMs * 1000) / all.length),
        liveMicrosecondsPerEvent: liveMicroseconds,
        largestClusterDocumentBytes: Math.max(...clusterDocs.map((write) => (write.kind === 'upsert' && (write.doc as ClusterLoadDocument).kind !== 'graph' ? JSON.stringify(write.doc).length : 0))),
      });
    } finally {
      await store.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(JSON.stringify({ bench: 'cluster-load', quick, goal: 'the read stays the same however many graphs there are', readsPerFigure: READS, results }, null, 2));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:cluster-load failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
