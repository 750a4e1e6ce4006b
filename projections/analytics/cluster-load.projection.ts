import { isGraphEvent } from '../../src/domain/graph/events';
import type { FollowUp, Projection } from '../../src/processing/projection';
import { PLACED_LOAD_EVENTS, loadByCluster, microCores, placedAfter, type ClusterLoad, type PlacedResources } from './placed-resources.projection';

/** The latest changes each cluster's series keeps: the most /analytics/cluster-load answers. */
export const CLUSTER_LOAD_POINTS = 1000;
/** Points per document of a series: a change rewrites the head, at most this many points, not the whole series. */
export const CHUNK_POINTS = 100;
const KEPT_CHUNKS = CLUSTER_LOAD_POINTS / CHUNK_POINTS;

/** What one graph places on each cluster now: the state its next change is measured from. */
export interface GraphLoad {
  kind: 'graph';
  graphId: string;
  running: boolean;
  services: PlacedResources['services'];
  byCluster: Record<string, ClusterLoad>;
}

export interface ClusterLoadPoint {
  at: string;
  cpu: number;
  memoryBytes: number;
}

/**
 * One cluster: the total placed on it by every graph, its latest changes (at most CHUNK_POINTS),
 * and how many full chunks of earlier changes it has written (ClusterChunk; the latest KEPT_CHUNKS
 * are kept).
 */
export interface ClusterSeries {
  kind: 'cluster';
  cluster: string;
  /** The total in millionths of a core: integer sums never drift from the sum of the graphs' loads. */
  microCpu: number;
  memoryBytes: number;
  /** Changes ever recorded; more than the points kept when the series was cut. */
  changes: number;
  chunks: number;
  points: ClusterLoadPoint[];
}

/** CHUNK_POINTS earlier changes of a cluster, written once when the head filled up. */
export interface ClusterChunk {
  kind: 'cluster-chunk';
  cluster: string;
  chunk: number;
  points: ClusterLoadPoint[];
}

export type ClusterLoadDocument = GraphLoad | ClusterSeries | ClusterChunk;

export const graphLoadId = (graphId: string) => `graph:${graphId}`;
export const clusterSeriesId = (cluster: string) => `cluster:${cluster}`;
/** A chunk's document: KEPT_CHUNKS slots per cluster, each new chunk written over the one that fell out of the kept ones (no tombstones pile up). */
export const clusterChunkId = (cluster: string, chunk: number) => `cluster:${cluster}:${chunk % KEPT_CHUNKS}`;

/**
 * The CPU and memory placed on each cluster over time, for /analytics/cluster-load: a few bounded
 * documents per cluster, read as they are, however many graphs there are. Each graph event changes
 * the graph's own document, and that change moves the totals of the clusters it placed on before or
 * after (a follow-up: the events do not say where a stopped graph ran). A point is added for every
 * such cluster at every change of the graph, as the series of the graphs' merged timelines had. A
 * cluster's head that fills up is written as a chunk (a follow-up of the head's change), over the
 * chunk that fell out of the latest KEPT_CHUNKS.
 */
export const clusterLoadProjection: Projection<ClusterLoadDocument> = {
  name: 'analytics-cluster-load',
  collection: 'analytics-cluster-load',
  filter: PLACED_LOAD_EVENTS,
  documentIds: (event) => (isGraphEvent(event) ? [graphLoadId(event.data.graphId)] : []),
  evolve: (doc, event) => {
    if (!isGraphEvent(event) || (doc && doc.kind !== 'graph')) return doc;
    // A removed graph places nothing (its follow-ups take its load off): its document goes, so the collection holds live graphs only.
    if (event.type === 'GraphRemoved') return null;
    const next = placedAfter<GraphLoad>(doc ?? { kind: 'graph', graphId: event.data.graphId, running: true, services: {}, byCluster: {} }, event);
    return { ...next, byCluster: loadByCluster(next) };
  },
  followUps: ({ before, after }, event) => {
    // A head's change may start a chunk; a chunk's changes nothing. A graph's (null once removed) moves its clusters.
    if (after?.kind === 'cluster') return chunkFollowUps(before?.kind === 'cluster' ? before : null, after);
    if (after?.kind === 'cluster-chunk') return [];
    const was = before?.kind === 'graph' ? before.byCluster : {};
    const is = after?.kind === 'graph' ? after.byCluster : {};
    return [...new Set([...Object.keys(was), ...Object.keys(is)])].map((cluster) => ({
      id: clusterSeriesId(cluster),
      evolve: (doc) => withChange(doc?.kind === 'cluster' ? doc : null, cluster, was[cluster], is[cluster], event.created),
    }));
  },
};

/** The cluster's head after one graph's load on it went from `was` to `is`; a full head starts a new chunk. */
function withChange(doc: ClusterSeries | null, cluster: string, was: ClusterLoad | undefined, is: ClusterLoad | undefined, at: string): ClusterSeries {
  const head = doc ?? { kind: 'cluster', cluster, microCpu: 0, memoryBytes: 0, changes: 0, chunks: 0, points: [] };
  const microCpu = head.microCpu + microCores(is?.cpu) - microCores(was?.cpu);
  const memoryBytes = head.memoryBytes + (is?.memoryBytes ?? 0) - (was?.memoryBytes ?? 0);
  const point = { at, cpu: Math.round(microCpu / 1000) / 1000, memoryBytes };
  const full = head.points.length >= CHUNK_POINTS;
  return { ...head, microCpu, memoryBytes, changes: head.changes + 1, chunks: head.chunks + (full ? 1 : 0), points: full ? [point] : [...head.points, point] };
}

/** When the head started a new chunk: the full points it held become that chunk. */
function chunkFollowUps(before: ClusterSeries | null, after: ClusterSeries): Array<FollowUp<ClusterLoadDocument>> {
  if (!before || after.chunks === before.chunks) return [];
  const chunk = after.chunks - 1;
  return [{ id: clusterChunkId(after.cluster, chunk), evolve: () => ({ kind: 'cluster-chunk', cluster: after.cluster, chunk, points: before.points }) }];
}

/** The numbers of the chunks a series' latest `limit` points need besides its head, oldest first. */
function chunksFor(head: ClusterSeries, limit: number): number[] {
  const needed = Math.min(head.chunks, KEPT_CHUNKS, Math.ceil(Math.max(0, limit - head.points.length) / CHUNK_POINTS));
  return Array.from({ length: needed }, (_, i) => head.chunks - needed + i);
}

/** The ids of the chunk documents a series' latest `limit` points need, besides its head. */
export function chunkIdsFor(head: ClusterSeries, limit: number): string[] {
  return chunksFor(head, limit).map((chunk) => clusterChunkId(head.cluster, chunk));
}

/** A series' latest `limit` points, from its head and the chunk documents `chunkIdsFor` named. */
export function latestPoints(head: ClusterSeries, chunks: ReadonlyMap<string, ClusterChunk>, limit: number): ClusterLoadPoint[] {
  const earlier = chunksFor(head, limit).flatMap((chunk) => {
    const found = chunks.get(clusterChunkId(head.cluster, chunk));
    // A slot holds the chunk asked for unless a newer one was written over it since the head was read.
    return found?.chunk === chunk ? found.points : [];
  });
  return [...earlier, ...head.points].slice(-limit);
}
