import type { CapacityShortfall } from '../domain/graph/commands';
import type { PlacementDecided } from '../domain/graph/events';
import type { ExistingGraph } from '../domain/graph/state';
import { checkPlacement, type ClusterCapacity, type ServiceDemand, type Violation } from '../optimizer';
import type { CachingReadStore } from '../readstore/caching-read-store';
import { clusterCapacities } from './cluster-inventory';
import { ownGraphOf } from './placed-demand';

/** The constraints capacity taken since can break: not latency or intents, which the proposal already answered for. */
const CAPACITY: ReadonlySet<Violation['constraint']> = new Set(['unknown-cluster', 'unavailable-cluster', 'acceleration', 'cpu', 'memory', 'gpu']);

/**
 * What of a recorded decision's placement does not fit `clusters`: a service's demand (its replicas
 * as decided) on its cluster, and a full copy on every other cluster of its set (highAvailability).
 * Pure.
 */
export function capacityShortfalls(
  clusters: readonly ClusterCapacity[],
  decision: Pick<PlacementDecided['data'], 'inputs' | 'placement' | 'clusterSets'>,
): CapacityShortfall[] {
  const copies: ServiceDemand[] = [];
  const where: Record<string, string> = {};
  for (const service of decision.inputs.services) {
    const primary = decision.placement[service.id];
    if (!primary) continue;
    [...new Set(decision.clusterSets?.[service.id] ?? [primary])].forEach((cluster, index) => {
      const id = index === 0 ? service.id : `${service.id} (copy on ${cluster})`;
      copies.push({ ...service, id, latencies: [] });
      where[id] = cluster;
    });
  }
  return checkPlacement(clusters, copies, where)
    .filter((violation) => CAPACITY.has(violation.constraint))
    .map(({ constraint, subject, detail }) => ({ constraint, subject, detail }));
}

/**
 * A graph's proposal checked against the clusters as placement would see them now (the inventory
 * less SMO's placements it does not show yet), the graph's own demand given back as a re-placement
 * of it gets: what approving it now would overbook.
 */
export async function proposalShortfalls(
  readStore: CachingReadStore,
  graph: ExistingGraph,
  decision: Pick<PlacementDecided['data'], 'inputs' | 'placement' | 'clusterSets'>,
  ledger: { now: Date; ttlMs: number; inventoryShowsPlacements: boolean },
): Promise<CapacityShortfall[]> {
  const clusters = await clusterCapacities(readStore, { now: ledger.now, ttlMs: ledger.ttlMs, own: ownGraphOf(graph, ledger.inventoryShowsPlacements) });
  return capacityShortfalls(clusters, decision);
}
