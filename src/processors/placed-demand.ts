import type { ReadStore } from '../readstore/read-store';
import type { ClusterDocument } from '../../projections/clusters.projection';
import type { PlacementLedgerDocument } from '../../projections/placement-ledger.projection';

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
export function placedDemand(ledger: readonly PlacementLedgerDocument[], counts: (cluster: string, placedAt: string) => boolean = () => true): DemandByCluster {
  const byCluster: DemandByCluster = {};
  for (const graph of ledger) {
    if (!graph.running) continue;
    for (const service of Object.values(graph.services)) {
      if (!counts(service.cluster, service.placedAt)) continue;
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
 */
export function unreflectedDemand(ledger: readonly PlacementLedgerDocument[], clusters: readonly ClusterDocument[], now: Date, ttlMs: number): DemandByCluster {
  const observedAt = new Map(clusters.map((c) => [c.name, Date.parse(c.allocationObservedAt ?? c.updatedAt)]));
  return placedDemand(ledger, (cluster, placedAt) => {
    const placed = Date.parse(placedAt);
    return placed > (observedAt.get(cluster) ?? 0) && now.getTime() - placed < ttlMs;
  });
}

/**
 * The clusters as placement must see them: what the inventory reports, less SMO's placements it
 * does not show yet. Ordered by name. When a graph is being re-placed (`ownGraphId`), its own
 * placed demand is credited back (capped at allocatable): a graph does not compete with itself,
 * so re-placing an unchanged graph moves nothing.
 */
export async function effectiveClusters(readStore: ReadStore, now: Date, ttlMs: number, ownGraphId?: string): Promise<ClusterDocument[]> {
  const [clusters, ledger] = await Promise.all([
    readStore.find<ClusterDocument>('clusters', { orderBy: [{ field: 'name' }] }),
    readStore.find<PlacementLedgerDocument>('placement-ledger'),
  ]);
  const docs = clusters.map(({ doc }) => doc);
  const ledgerDocs = ledger.map(({ doc }) => doc);
  const pending = unreflectedDemand(ledgerDocs, docs, now, ttlMs);
  const own = ownGraphId === undefined ? {} : placedDemand(ledgerDocs.filter((graph) => graph.graphId === ownGraphId));
  return docs.map((doc) => {
    const demand = pending[doc.name] ?? { cpu: 0, memoryBytes: 0, gpu: 0 };
    const credit = own[doc.name] ?? { cpu: 0, memoryBytes: 0, gpu: 0 };
    if (demand.cpu === 0 && demand.memoryBytes === 0 && demand.gpu === 0 && credit.cpu === 0 && credit.memoryBytes === 0 && credit.gpu === 0) return doc;
    const bounded = (value: number, max: number) => Math.min(max, Math.max(0, value));
    return {
      ...doc,
      cpuAvailable: bounded(Math.round((doc.cpuAvailable - demand.cpu + credit.cpu) * 1000) / 1000, doc.cpuAllocatable),
      memoryAvailableBytes: bounded(doc.memoryAvailableBytes - demand.memoryBytes + credit.memoryBytes, doc.memoryAllocatableBytes),
      gpuAvailable: bounded(doc.gpuAvailable - demand.gpu + credit.gpu, doc.gpuAllocatable),
    };
  });
}

/** Every running graph's placed demand, from the ledger (the simulated inventory's "allocated"). */
export async function placedDemandOf(readStore: ReadStore): Promise<DemandByCluster> {
  return placedDemand((await readStore.find<PlacementLedgerDocument>('placement-ledger')).map(({ doc }) => doc));
}
