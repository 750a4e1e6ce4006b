import type { NormalisedService } from '../domain/graph/hdag-descriptor';
import { createServiceImports, type ServiceDemand } from '../optimizer';

/** What one service asks of a placement, intents included (absent fields: as before intents shaped placement). */
export function serviceDemand(service: NormalisedService, replicas: number): ServiceDemand {
  return {
    id: service.id,
    cpu: service.resources.cpuCores,
    memoryBytes: service.resources.memoryBytes,
    gpu: service.resources.gpu,
    replicas,
    latencies: service.latencies,
    ...(service.connectionPoints.length > 0 ? { connectionPoints: [...service.connectionPoints] } : {}),
    ...(service.coLocation && service.coLocation.length > 0 ? { coLocation: [...service.coLocation] } : {}),
    ...(service.highAvailability !== undefined ? { highAvailability: service.highAvailability } : {}),
  };
}

/**
 * Service imports when some services run on several clusters (highAvailability): upstream's rule applied to each copy
 * (the k-th cluster of every service), the clusters merged in order of first appearance; without sets, upstream's exactly.
 */
export function importsOf(
  services: readonly NormalisedService[],
  placement: Readonly<Record<string, string>>,
  clusterSets: Readonly<Record<string, readonly string[]>> = {},
): Record<string, string[]> {
  const copies = Math.max(1, ...Object.values(clusterSets).map((set) => set.length));
  if (copies === 1) return createServiceImports(services, placement);
  const merged: Record<string, string[]> = {};
  for (let k = 0; k < copies; k++) {
    const kth = Object.fromEntries(services.map((service) => [service.id, clusterSets[service.id]?.[k] ?? placement[service.id] ?? '']));
    for (const [id, clusters] of Object.entries(createServiceImports(services, kth))) {
      const list = (merged[id] ??= []);
      for (const cluster of clusters) if (!list.includes(cluster)) list.push(cluster);
    }
  }
  return merged;
}

export function copySets(sets: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(sets).map(([id, clusters]) => [id, [...clusters]]));
}
