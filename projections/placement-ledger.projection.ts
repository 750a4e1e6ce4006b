import { GRAPH_CATEGORY, isGraphEvent } from '../src/domain/graph/events';
import type { DocumentChange, Projection, ProjectionSummary } from '../src/processing/projection';
import { microCores } from './analytics/placed-resources.projection';

/**
 * One copy of a service's placed demand: per replica, times its replicas, on one cluster SMO chose.
 * A highAvailability service runs a full copy on every cluster of its set: one entry per cluster.
 */
export interface PlacedService {
  /** The service this copy is of; absent in documents of version 2, keyed by the service's id alone. */
  serviceId?: string;
  cluster: string;
  cpu: number;
  memoryBytes: number;
  gpu: number;
  replicas: number;
  /** When this demand was last added to the cluster (placed there, moved there, scaled up, restarted). */
  placedAt: string;
  /**
   * The periods it ran there before its graph's latest stops (the latest RUNNING_PERIODS_KEPT, oldest first), while
   * placed as now: a cluster whose allocation was last observed within one of them still shows this demand, the
   * stop and start since not observed (placed-demand.ts). Absent when none, and in documents written before it.
   */
  earlier?: RunningPeriod[];
}

/** A time its demand ran on the cluster: from when it was placed (or restarted) until its graph was stopped. */
export interface RunningPeriod {
  from: string;
  until: string;
}

/** Enough for a graph stopped and started this many times between two observations of a cluster's allocation. */
export const RUNNING_PERIODS_KEPT = 4;

/** Per live graph: the demand SMO has placed on each cluster (a stopped graph places none). */
export interface PlacementLedgerDocument {
  graphId: string;
  running: boolean;
  /** When the graph was stopped, while it is. */
  stoppedAt?: string;
  /**
   * One entry per (service, cluster) it runs on, keyed by `ledgerKey`: at most the graph's services
   * times the clusters of their sets (one for a service without highAvailability).
   */
  services: Record<string, PlacedService>;
  /**
   * The minute (milliseconds since the epoch / 60,000, floored) of the latest `placedAt` among the
   * services, absent without services: an indexed field, so placement reads only the graphs placed in
   * the last minutes (see placed-demand.ts), however many graphs the ledger holds.
   */
  placedMinute?: number;
}

export const MINUTE_MS = 60_000;

/** The key of a service's copy on a cluster among a ledger document's services. */
export const ledgerKey = (serviceId: string, cluster: string): string => `${serviceId}@${cluster}`;

/** The service an entry is a copy of (a document of version 2 keyed it by the service's id). */
export const serviceIdOf = (key: string, service: PlacedService): string => service.serviceId ?? key;

/** The document with its `placedMinute` recomputed from its services. */
function indexed(doc: PlacementLedgerDocument): PlacementLedgerDocument {
  const { placedMinute: _previous, ...rest } = doc;
  const latest = Math.max(...Object.values(doc.services).map((service) => Date.parse(service.placedAt)));
  return Number.isFinite(latest) ? { ...rest, placedMinute: Math.floor(latest / MINUTE_MS) } : rest;
}

/** One cluster's share of the placed demand; cpu in millionths of a core, so sums never drift. */
export interface ClusterDemandTotal {
  microCpu: number;
  memoryBytes: number;
  gpu: number;
}

/** The demand every running graph of the ledger places on each cluster. */
export interface PlacedDemandTotals {
  clusters: Record<string, ClusterDemandTotal>;
}

/** The one document of the placed-demand collection. */
export const PLACED_DEMAND_ID = 'all';

/**
 * The ledger's totals by cluster, moved by each graph's change (its running services' demand
 * before out, after in): what the simulated inventory shows as allocated, read as one document
 * however many graphs there are, and as of one position of the ledger.
 */
export const placedDemandTotals: ProjectionSummary<PlacementLedgerDocument, PlacedDemandTotals> = {
  collection: 'placed-demand',
  summaryIds: () => [PLACED_DEMAND_ID],
  evolve: (totals, { before, after }: DocumentChange<PlacementLedgerDocument>) => {
    const clusters: Record<string, ClusterDemandTotal> = { ...totals?.clusters };
    for (const [graph, sign] of [[before, -1], [after, 1]] as const) {
      if (!graph?.running) continue;
      for (const service of Object.values(graph.services)) {
        const total = clusters[service.cluster] ?? { microCpu: 0, memoryBytes: 0, gpu: 0 };
        const next = {
          microCpu: total.microCpu + sign * microCores(service.cpu) * service.replicas,
          memoryBytes: total.memoryBytes + sign * service.memoryBytes * service.replicas,
          gpu: total.gpu + sign * service.gpu * service.replicas,
        };
        if (next.microCpu === 0 && next.memoryBytes === 0 && next.gpu === 0) delete clusters[service.cluster];
        else clusters[service.cluster] = next;
      }
    }
    return { clusters };
  },
};

/**
 * The ledger of what SMO placed, one document per live graph (removed graphs leave it), so
 * placement can count its own recent decisions before the cluster inventory shows them.
 */
export const placementLedgerProjection: Projection<PlacementLedgerDocument> = {
  name: 'placement-ledger',
  collection: 'placement-ledger',
  // 2: the placed-demand totals (a summary the documents of version 1 never moved).
  // 3: one entry per cluster of a highAvailability service's set (version 2 counted only its first).
  version: 3,
  summaries: [placedDemandTotals],
  filter: { eventTypes: ['PlacementDecided', 'ServiceScaled', 'GraphStopped', 'GraphStarted', 'GraphRemoved'], streamCategories: [GRAPH_CATEGORY] },
  documentIds: (event) => (isGraphEvent(event) ? [event.data.graphId] : []),
  evolve: (doc, event, graphId) => {
    const current: PlacementLedgerDocument = doc ?? { graphId, running: true, services: {} };
    if (!isGraphEvent(event)) return doc;
    const at = event.created;
    switch (event.type) {
      case 'PlacementDecided': {
        const services: Record<string, PlacedService> = {};
        const previous = new Map(Object.entries(current.services).map(([key, s]) => [ledgerKey(serviceIdOf(key, s), s.cluster), s]));
        for (const demand of event.data.inputs.services) {
          const primary = event.data.placement[demand.id];
          if (primary === undefined) continue;
          // Every cluster of a highAvailability service's set runs a full copy of it.
          for (const cluster of new Set(event.data.clusterSets?.[demand.id] ?? [primary])) {
            const key = ledgerKey(demand.id, cluster);
            const before = previous.get(key);
            const unchanged = before !== undefined && before.replicas >= demand.replicas;
            services[key] = {
              serviceId: demand.id,
              cluster,
              cpu: demand.cpu,
              memoryBytes: demand.memoryBytes ?? 0,
              gpu: demand.gpu ? 1 : 0,
              replicas: demand.replicas,
              placedAt: unchanged ? before.placedAt : at,
              ...(unchanged && before.earlier && { earlier: before.earlier }),
            };
          }
        }
        return indexed({ ...current, services });
      }
      case 'ServiceScaled': {
        const { serviceId, to } = event.data;
        const copies = Object.entries(current.services).filter(([key, service]) => serviceIdOf(key, service) === serviceId);
        if (copies.length === 0) return current;
        // Scaled up, the demand is more than ran before: none of it is taken as shown (earlier periods forgotten).
        const scaled = copies.map(([key, { earlier, ...service }]) => {
          const up = to > service.replicas;
          return [key, { ...service, replicas: to, placedAt: up ? at : service.placedAt, ...(!up && earlier && { earlier }) }] as const;
        });
        return indexed({ ...current, services: { ...current.services, ...Object.fromEntries(scaled) } });
      }
      case 'GraphStopped':
        return { ...current, running: false, stoppedAt: at };
      case 'GraphStarted': {
        const { stoppedAt, ...started } = current;
        // Its placement no longer fit: dropped until it is placed anew.
        if (event.data.overbooked.length > 0) return indexed({ ...started, running: true, services: {} });
        const restarted = (service: PlacedService): PlacedService => {
          const earlier = stoppedAt === undefined ? service.earlier : [...(service.earlier ?? []), { from: service.placedAt, until: stoppedAt }].slice(-RUNNING_PERIODS_KEPT);
          return { ...service, placedAt: at, ...(earlier && { earlier }) };
        };
        return indexed({ ...started, running: true, services: Object.fromEntries(Object.entries(current.services).map(([id, s]) => [id, restarted(s)])) });
      }
      case 'GraphRemoved':
        return null;
      default:
        return current;
    }
  },
};
