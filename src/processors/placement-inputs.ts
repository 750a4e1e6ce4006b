import type { NormalisedService } from '../domain/graph/hdag-descriptor';
import type { ServiceDemand } from '../optimizer';

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

export function copySets(sets: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(sets).map(([id, clusters]) => [id, [...clusters]]));
}
