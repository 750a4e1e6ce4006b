import { Placement } from './model';

/**
 * Upstream `create_service_imports` (§6), exactly: for each service A and each service B (both in
 * descriptor order) with B.id in A's connectionPoints, append A's cluster to imports[B]. Lists may
 * hold duplicates and B's own cluster; ids not in the graph are ignored; every service has a key.
 */

export interface ConnectedService {
  readonly id: string;
  readonly connectionPoints: readonly string[];
}

export function createServiceImports(services: readonly ConnectedService[], placement: Placement): Record<string, string[]> {
  const imports: Record<string, string[]> = {};
  for (const service of services) imports[service.id] = [];
  for (const consumer of services) {
    for (const provider of services) {
      if (!consumer.connectionPoints.includes(provider.id)) continue;
      const cluster = placement[consumer.id];
      // Upstream raises KeyError here; a consumer without a cluster is a caller bug.
      if (cluster === undefined) throw new Error(`service ${consumer.id} has no cluster in the placement`);
      imports[provider.id]?.push(cluster);
    }
  }
  return imports;
}
