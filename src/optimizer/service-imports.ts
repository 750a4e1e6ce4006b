import { Placement } from './model';

/**
 * Upstream `create_service_imports` (§6): for each service A and each service B with B.id in A's
 * connectionPoints, A's cluster joins imports[B], the clusters B's ServiceImport is propagated to.
 * Ids not in the graph are ignored; every service has a key; B's own cluster is listed when a consumer
 * runs there. A consumer on several clusters (highAvailability, `clusterSets`) adds each of them.
 *
 * Unlike upstream, each cluster is listed once, sorted by name: Karmada reads `clusterNames` as a set,
 * so duplicates (one per consumer: 199 entries per service in a 200-service mesh, which made the
 * placement event bigger than the event store takes) and order (consumers swapping clusters) would
 * change the values, and upgrade the release, without changing where anything runs.
 */

export interface ConnectedService {
  readonly id: string;
  readonly connectionPoints: readonly string[];
}

export function createServiceImports(
  services: readonly ConnectedService[],
  placement: Placement,
  clusterSets: Readonly<Record<string, readonly string[]>> = {},
): Record<string, string[]> {
  const imports = new Map<string, Set<string>>(services.map((service) => [service.id, new Set<string>()]));
  for (const consumer of services) {
    for (const providerId of new Set(consumer.connectionPoints)) {
      const clusters = imports.get(providerId);
      if (clusters === undefined) continue;
      const cluster = placement[consumer.id];
      // Upstream raises KeyError here; a consumer without a cluster is a caller bug.
      if (cluster === undefined) throw new Error(`service ${consumer.id} has no cluster in the placement`);
      for (const each of clusterSets[consumer.id] ?? [cluster]) clusters.add(each);
    }
  }
  // fromEntries: a service id is a DNS label, but the record stays plain data whatever the key.
  return Object.fromEntries([...imports].map(([id, clusters]) => [id, [...clusters].sort()]));
}
