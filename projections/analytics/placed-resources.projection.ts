import type { EventFilter, RecordedEvent } from '../../src/eventstore/event-store';
import { GRAPH_CATEGORY, isGraphEvent, type GraphEvent } from '../../src/domain/graph/events';
import type { Projection } from '../../src/processing/projection';

export interface ClusterLoad {
  cpu: number;
  memoryBytes: number;
}

export interface LoadPoint {
  at: string;
  position: number;
  byCluster: Record<string, ClusterLoad>;
}

/** The latest changes kept one point each. */
export const RECENT_POINTS = 100;
/** Older changes: one point per UTC hour (the load after the hour's last change), this many hours at most. */
export const HOURLY_POINTS = 720;

/**
 * Per graph: what it places on each cluster, and how that changed over time. The timeline stays
 * bounded however long the graph lives: its first `hourly` points are hour buckets (the load after
 * the last change in that UTC hour, at most HOURLY_POINTS of them, the oldest dropped first), the
 * rest are the latest RECENT_POINTS changes, one point each.
 */
export interface PlacedResources {
  graphId: string;
  running: boolean;
  services: Record<string, { cluster: string; cpu: number; memoryBytes: number; replicas: number }>;
  timeline: LoadPoint[];
  /** How many leading points of the timeline are hour buckets (absent in documents written before buckets: none). */
  hourly?: number;
}

/** The graph events that change what a graph places (placedAfter). */
export const PLACED_LOAD_EVENTS: EventFilter = { eventTypes: ['PlacementDecided', 'ServiceScaled', 'GraphStopped', 'GraphStarted', 'GraphRemoved'], streamCategories: [GRAPH_CATEGORY] };

export const placedResourcesProjection: Projection<PlacedResources> = {
  name: 'analytics-placed-resources',
  collection: 'analytics-placed-resources',
  filter: PLACED_LOAD_EVENTS,
  documentIds: (event) => (isGraphEvent(event) ? [event.data.graphId] : []),
  evolve: (doc, event, graphId) => {
    const current: PlacedResources = doc ?? { graphId, running: true, services: {}, timeline: [] };
    if (!isGraphEvent(event)) return doc;
    const next = placedAfter(current, event);
    return { ...next, ...withPoint(next.timeline, next.hourly ?? 0, { at: event.created, position: event.position, byCluster: loadByCluster(next) }) };
  },
};

/** Appends a point; the oldest recent point beyond RECENT_POINTS joins its hour bucket. */
export function withPoint(timeline: readonly LoadPoint[], hourly: number, point: LoadPoint): { timeline: LoadPoint[]; hourly: number } {
  const points = [...timeline, point];
  if (points.length - hourly > RECENT_POINTS) {
    const leaving = points[hourly]!;
    const bucket = hourly > 0 ? points[hourly - 1]! : null;
    if (bucket && bucket.at.slice(0, 13) === leaving.at.slice(0, 13)) points.splice(hourly - 1, 1);
    else hourly++;
  }
  if (hourly > HOURLY_POINTS) {
    points.shift();
    hourly--;
  }
  return { timeline: points, hourly };
}

/** What a graph places, after the event: its services' clusters and replicas, and whether it runs. */
type Placed = Pick<PlacedResources, 'running' | 'services'>;

export function placedAfter<D extends Placed>(doc: D, event: GraphEvent): D {
  switch (event.type) {
    case 'PlacementDecided': {
      const services = Object.fromEntries(
        event.data.inputs.services
          .filter((s) => event.data.placement[s.id] !== undefined)
          .map((s) => [s.id, { cluster: event.data.placement[s.id]!, cpu: s.cpu, memoryBytes: s.memoryBytes ?? 0, replicas: s.replicas }]),
      );
      return { ...doc, services };
    }
    case 'ServiceScaled': {
      const service = doc.services[event.data.serviceId];
      return service ? { ...doc, services: { ...doc.services, [event.data.serviceId]: { ...service, replicas: event.data.to } } } : doc;
    }
    case 'GraphStopped':
      return { ...doc, running: false };
    case 'GraphStarted':
      // Its placement no longer fit: dropped until it is placed anew.
      return event.data.overbooked.length > 0 ? { ...doc, running: true, services: {} } : { ...doc, running: true };
    case 'GraphRemoved':
      // A removed graph places nothing. Its id may be deployed again, and that deployment runs: a
      // stopped graph's `running: false` must not outlive it (its PlacementDecided would count nothing).
      return { ...doc, running: true, services: {} };
    default:
      return doc;
  }
}

export function loadByCluster(doc: Placed): Record<string, ClusterLoad> {
  const load: Record<string, ClusterLoad> = {};
  if (!doc.running) return load;
  for (const service of Object.values(doc.services)) {
    const current = load[service.cluster] ?? { cpu: 0, memoryBytes: 0 };
    load[service.cluster] = { cpu: current.cpu + service.cpu * service.replicas, memoryBytes: current.memoryBytes + service.memoryBytes * service.replicas };
  }
  return load;
}

/**
 * Merges the graphs' step functions into one series per cluster: the total placed after each change.
 * What /analytics/cluster-load computed on every request before the cluster-load projection; kept to
 * check the hour buckets against the per-event series and as bench:cluster-load's peer.
 */
export function clusterLoadSeries(docs: readonly PlacedResources[]): Record<string, Array<{ at: string; cpu: number; memoryBytes: number }>> {
  const points = docs.flatMap((doc) => doc.timeline.map((point) => ({ ...point, graphId: doc.graphId }))).sort((a, b) => a.position - b.position);
  const latest = new Map<string, Record<string, ClusterLoad>>();
  // Per cluster, the sum of every graph's latest load there, moved by each point's change: summing
  // over every graph at every point made the series quadratic in the number of graphs. CPU is summed
  // in integer millionths of a core, so that the running total never drifts from the sum.
  const totals = new Map<string, { microCpu: number; memoryBytes: number }>();
  const series: Record<string, Array<{ at: string; cpu: number; memoryBytes: number }>> = {};
  for (const point of points) {
    const before = latest.get(point.graphId) ?? {};
    latest.set(point.graphId, point.byCluster);
    for (const cluster of new Set([...Object.keys(before), ...Object.keys(point.byCluster)])) {
      const total = totals.get(cluster) ?? { microCpu: 0, memoryBytes: 0 };
      totals.set(cluster, total);
      total.microCpu += microCores(point.byCluster[cluster]?.cpu) - microCores(before[cluster]?.cpu);
      total.memoryBytes += (point.byCluster[cluster]?.memoryBytes ?? 0) - (before[cluster]?.memoryBytes ?? 0);
      (series[cluster] ??= []).push({ at: point.at, cpu: Math.round(total.microCpu / 1000) / 1000, memoryBytes: total.memoryBytes });
    }
  }
  return series;
}

export function microCores(cpu: number | undefined): number {
  return Math.round((cpu ?? 0) * 1_000_000);
}

export type { RecordedEvent };
