import type { CapacityShortfall } from '../domain/graph/commands';
import type { PlacementDecided } from '../domain/graph/events';
import type { ExistingGraph } from '../domain/graph/state';
import { checkPlacement, type ClusterCapacity, type ServiceDemand, type Violation } from '../optimizer';
import type { CachingReadStore } from '../readstore/caching-read-store';
import { clusterCapacities } from './cluster-inventory';
import { ownGraphOf } from './placed-demand';
import { placementLedgerProjection, serviceIdOf, type PlacementLedgerDocument } from '../../projections/placement-ledger.projection';

/** What a capacity check reads of a placement: each service's demand, its cluster, and its set's (highAvailability). */
type PlacedDecision = { inputs: { services: readonly ServiceDemand[] } } & Pick<PlacementDecided['data'], 'placement' | 'clusterSets'>;

/** The constraints capacity taken since can break: not latency or intents, which the proposal already answered for. */
const CAPACITY: ReadonlySet<Violation['constraint']> = new Set(['unknown-cluster', 'unavailable-cluster', 'acceleration', 'cpu', 'memory', 'gpu']);

/**
 * What of a recorded decision's placement does not fit `clusters`: a service's demand (its replicas
 * as decided) on its cluster, and a full copy on every other cluster of its set (highAvailability).
 * Pure.
 */
export function capacityShortfalls(clusters: readonly ClusterCapacity[], decision: PlacedDecision): CapacityShortfall[] {
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
  decision: PlacedDecision,
  ledger: { now: Date; ttlMs: number; inventoryShowsPlacements: boolean },
): Promise<CapacityShortfall[]> {
  const clusters = await clusterCapacities(readStore, { now: ledger.now, ttlMs: ledger.ttlMs, own: ownGraphOf(graph, ledger.inventoryShowsPlacements) });
  return capacityShortfalls(clusters, decision);
}

/**
 * A stopped graph's placement (the demand its ledger entries ran with, scaled replicas included) checked against the
 * clusters as placement would see them now, as a proposal is: what starting it where it was would overbook (capacity
 * other graphs took while it was stopped). None when the ledger has no entry of it.
 */
export async function startShortfalls(
  readStore: CachingReadStore,
  graph: ExistingGraph,
  ledger: { now: Date; ttlMs: number; inventoryShowsPlacements: boolean },
): Promise<CapacityShortfall[]> {
  const placed = await readStore.get<PlacementLedgerDocument>(placementLedgerProjection.collection, graph.graphId);
  if (!placed) return [];
  const services = new Map<string, ServiceDemand>();
  const clusterSets: Record<string, string[]> = {};
  for (const [key, copy] of Object.entries(placed.doc.services)) {
    const id = serviceIdOf(key, copy);
    services.set(id, { id, cpu: copy.cpu, memoryBytes: copy.memoryBytes, gpu: copy.gpu > 0, replicas: copy.replicas });
    (clusterSets[id] ??= []).push(copy.cluster);
  }
  const placement = Object.fromEntries(Object.entries(clusterSets).map(([id, clusters]) => [id, clusters[0]!]));
  return proposalShortfalls(readStore, graph, { inputs: { services: [...services.values()] }, placement, clusterSets }, ledger);
}
