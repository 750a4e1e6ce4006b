import type { CachingReadStore } from '../readstore/caching-read-store';
import type { ReadStore } from '../readstore/read-store';
import type { ClusterDocument } from '../../projections/clusters.projection';
import type { ExistingGraph } from '../domain/graph/state';
import { MINUTE_MS, PLACED_DEMAND_ID, placedDemandTotals, serviceIdOf, type PlacedDemandTotals, type PlacedService, type PlacementLedgerDocument } from '../../projections/placement-ledger.projection';

export interface Demand {
  cpu: number;
  memoryBytes: number;
  gpu: number;
}

export type DemandByCluster = Record<string, Demand>;

/**
 * Demand on each cluster from the ledger, counting the services `counts` accepts. Every running
 * graph's placed services by default: what a simulated Karmada would show as allocated.
 */
export function placedDemand(ledger: readonly PlacementLedgerDocument[], counts: (service: PlacedService) => boolean = () => true): DemandByCluster {
  const byCluster: DemandByCluster = {};
  for (const graph of ledger) {
    if (!graph.running) continue;
    for (const service of Object.values(graph.services)) {
      if (!counts(service)) continue;
      const sum = (byCluster[service.cluster] ??= { cpu: 0, memoryBytes: 0, gpu: 0 });
      sum.cpu = Math.round((sum.cpu + service.cpu * service.replicas) * 1000) / 1000;
      sum.memoryBytes += service.memoryBytes * service.replicas;
      sum.gpu += service.gpu * service.replicas;
    }
  }
  return byCluster;
}

/**
 * The ledger rule. Karmada's allocated figures lag SMO's own placements (helm, then the Karmada
 * scheduler, then the next inventory sync). So demand SMO placed on a cluster after the last
 * observed change of that cluster's allocation still counts against it, until an observation
 * shows the allocation changed (taken as reflecting it) or `ttlMs` has passed since it was placed.
 * Unless it ran there already when that observation was made (its graph stopped and started since,
 * within one sync: the allocation never showed it leave), when the allocation shows it still.
 */
export function unreflectedDemand(ledger: readonly PlacementLedgerDocument[], clusters: readonly ClusterDocument[], now: Date, ttlMs: number): DemandByCluster {
  return placedDemand(ledger, notYetReflected(clusters, now, ttlMs));
}

/** The ledger rule as a predicate: does this placed demand still count against its cluster? */
function notYetReflected(clusters: readonly ClusterDocument[], now: Date, ttlMs: number): (service: PlacedService) => boolean {
  const observedAt = observationTimes(clusters);
  return (service) => !ranAt(service, observedAt.get(service.cluster) ?? 0) && now.getTime() - Date.parse(service.placedAt) < ttlMs;
}

/** When each cluster's allocation was last seen to change. */
function observationTimes(clusters: readonly ClusterDocument[]): Map<string, number> {
  return new Map(clusters.map((c) => [c.name, Date.parse(c.allocationObservedAt ?? c.updatedAt)]));
}

/**
 * Its demand ran on its cluster at `time`: since it was placed (until `stoppedAt`, its graph's stop, when stopped), or in a
 * period before its graph's latest stops.
 */
function ranAt(service: PlacedService, time: number, stoppedAt = Number.POSITIVE_INFINITY): boolean {
  const within = (from: number, until: number) => from <= time && time < until;
  return within(Date.parse(service.placedAt), stoppedAt) || (service.earlier ?? []).some(({ from, until }) => within(Date.parse(from), Date.parse(until)));
}

/** The graph being re-placed, and which of its services' demand the inventory's allocated figures include. */
export interface OwnGraph {
  graphId: string;
  /**
   * True when the service's pods show in the reported allocation: always for the simulated inventory
   * (it reports SMO's placements), in real mode only when its pods request its demand (injected
   * resources). Otherwise only what the ledger itself subtracted is given back.
   */
  inAllocation(serviceId: string): boolean;
}

/**
 * The graph being re-placed (or a proposal for it approved), as OwnGraph: a service is in the
 * reported allocation when the inventory shows SMO's placements (simulated), or when its pods
 * request its demand (`injectResources`).
 */
export function ownGraphOf(graph: Pick<ExistingGraph, 'graphId' | 'normalised'>, inventoryShowsPlacements: boolean): OwnGraph {
  const requests = new Set(graph.normalised.services.filter((service) => service.injectResources).map((service) => service.id));
  return { graphId: graph.graphId, inAllocation: (serviceId) => inventoryShowsPlacements || requests.has(serviceId) };
}

/**
 * The clusters as placement must see them: what the inventory reports, less SMO's placements it
 * does not show yet. Ordered by name. When a graph is being re-placed (`own`), the demand of its
 * own services counted against the clusters is given back (capped at allocatable): a graph does not
 * compete with itself, so re-placing an unchanged graph moves nothing.
 */
export async function effectiveClusters(readStore: CachingReadStore, now: Date, ttlMs: number, own?: OwnGraph): Promise<readonly ClusterDocument[]> {
  // Shared, frozen copies: only read here. After a placement, only the documents it changed are read again.
  const [clusters, recent, ownGraph] = await Promise.all([
    readStore.cachedFind<ClusterDocument>('clusters', { orderBy: [{ field: 'name' }] }),
    recentlyPlaced(readStore, now, ttlMs),
    own ? readStore.cachedGet<PlacementLedgerDocument>('placement-ledger', own.graphId) : null,
  ]);
  const docs = clusters.documents.map(({ doc }) => doc);
  const counts = notYetReflected(docs, now, ttlMs);
  const pending = placedDemand(recent, counts);
  const credit = own ? ownDemand(ownGraph?.doc, own, counts, observationTimes(docs)) : {};
  return withDemand(docs, pending, credit);
}

/** The clusters less the `pending` demand on each and plus the `credit` given back, within [0, allocatable]. */
export function withDemand(clusters: readonly ClusterDocument[], pending: DemandByCluster, credit: DemandByCluster = {}): ClusterDocument[] {
  const none = { cpu: 0, memoryBytes: 0, gpu: 0 };
  const bounded = (value: number, max: number) => Math.min(max, Math.max(0, value));
  return clusters.map((doc) => {
    const minus = pending[doc.name] ?? none;
    const plus = credit[doc.name] ?? none;
    if (minus === none && plus === none) return doc;
    return {
      ...doc,
      cpuAvailable: bounded(Math.round((doc.cpuAvailable - minus.cpu + plus.cpu) * 1000) / 1000, doc.cpuAllocatable),
      memoryAvailableBytes: bounded(doc.memoryAvailableBytes - minus.memoryBytes + plus.memoryBytes, doc.memoryAllocatableBytes),
      gpuAvailable: bounded(doc.gpuAvailable - minus.gpu + plus.gpu, doc.gpuAllocatable),
    };
  });
}

/** Placements stamped up to this long after `now` still count: the clocks of SMO and the event store may differ a little. */
const CLOCK_SKEW_MINUTES = 5;

/**
 * The ledger's graphs the rule can still count: those with a service placed within `ttlMs` of `now`
 * (the latest placement of each is indexed by its minute). Bounded by how many graphs were placed in
 * that window, not by how many the ledger holds. A placement stamped more than CLOCK_SKEW_MINUTES
 * after `now` is not found: the ledger rule would count it.
 */
async function recentlyPlaced(readStore: CachingReadStore, now: Date, ttlMs: number): Promise<PlacementLedgerDocument[]> {
  const from = Math.floor((now.getTime() - ttlMs) / MINUTE_MS);
  const to = Math.floor(now.getTime() / MINUTE_MS) + CLOCK_SKEW_MINUTES;
  const minutes = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  const found = await readStore.cachedFind<PlacementLedgerDocument>('placement-ledger', { where: { placedMinute: { in: minutes } } });
  return found.documents.map(({ doc }) => doc);
}

/**
 * What the graph's own services take from each cluster's reported figure: in the allocation, or subtracted by the ledger
 * rule. A stopped graph's (a start checks its placement still fits) only while the allocation shows it: last observed
 * when the service still ran there, the stop not observed yet.
 */
function ownDemand(
  graph: PlacementLedgerDocument | undefined,
  own: OwnGraph,
  counts: (service: PlacedService) => boolean,
  observedAt: ReadonlyMap<string, number>,
): DemandByCluster {
  if (!graph) return {};
  const shown = (key: string, service: PlacedService): boolean => {
    if (!own.inAllocation(serviceIdOf(key, service))) return false;
    // A stopped graph without a stop time (a document from before it) is not taken as shown.
    return graph.running || ranAt(service, observedAt.get(service.cluster) ?? 0, graph.stoppedAt === undefined ? Number.NaN : Date.parse(graph.stoppedAt));
  };
  // Every copy of a highAvailability service: each is an entry of its own, on its own cluster.
  const services = Object.fromEntries(Object.entries(graph.services).filter(([key, service]) => shown(key, service) || (graph.running && counts(service))));
  return placedDemand([{ ...graph, running: true, services }]);
}

/**
 * Every running graph's placed demand (the simulated inventory's "allocated"), from the ledger's
 * totals: one document read. Without them (a ledger written before them, until its rebuild at
 * start has switched over), from every ledger document: a figure missing placements would be taken
 * as reflecting them.
 */
export async function placedDemandOf(readStore: ReadStore): Promise<DemandByCluster> {
  const totals = await readStore.get<PlacedDemandTotals>(placedDemandTotals.collection, PLACED_DEMAND_ID);
  if (!totals) return placedDemand((await readStore.find<PlacementLedgerDocument>('placement-ledger')).map(({ doc }) => doc));
  return Object.fromEntries(Object.entries(totals.doc.clusters).map(([cluster, { microCpu, memoryBytes, gpu }]) => [cluster, { cpu: Math.round(microCpu / 1000) / 1000, memoryBytes, gpu }]));
}
