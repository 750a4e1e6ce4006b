import { ClusterCapacity, NetworkInputs, PlacementResult, ServiceDemand } from './model';
import { naivePlacement } from './naive-placement';
import { StaticPlacementDecision, staticPlacement } from './static-placement';

/** Deploy-time placement as upstream: static when the graph asks for it, else naive first-fit. */

export type InitialPlacement = StaticPlacementDecision | ({ readonly algorithm: 'naive' } & PlacementResult);

export function initialPlacement(
  input: {
    readonly useStaticPlacement: boolean;
    readonly clusters: readonly ClusterCapacity[];
    readonly services: readonly ServiceDemand[];
  } & NetworkInputs,
): InitialPlacement {
  if (input.useStaticPlacement) return staticPlacement(input.services.map((service) => service.id));
  const network = { clusterLatencyMs: input.clusterLatencyMs, latencyLimitsMs: input.latencyLimitsMs };
  return { algorithm: 'naive', ...naivePlacement(input.clusters, input.services, undefined, network) };
}
