import type { GraphEvent, PlacementDecided } from '../../src/domain/graph/events';
import type { EventStore, NewEvent } from '../../src/eventstore/event-store';
import { graphStream } from '../../src/domain/graph/events';
import { deterministicId } from '../../src/shared/deterministic-id';

type ServiceDemand = PlacementDecided['data']['inputs']['services'][number];

/**
 * A first-deploy decision for the demo's two services, with what projections fold of it (inputs,
 * placement); `imageDetection` changes that service's demand.
 */
export function demoPlacementDecided(graphId: string, placement: Record<string, string>, imageDetection: Partial<ServiceDemand> = {}): PlacementDecided['data'] {
  return {
    graphId,
    decisionId: `d-${graphId}`,
    reason: 'first-deploy',
    algorithm: 'milp',
    solver: 'highs',
    objective: 0,
    moves: 0,
    durationMs: 1,
    inputs: {
      clusters: [],
      services: [
        { id: 'noise-reduction', cpu: 0.5, memoryBytes: 256, gpu: false, replicas: 1 },
        { id: 'image-detection', cpu: 1, memoryBytes: 512, gpu: false, replicas: 1, ...imageDetection },
      ],
      previousPlacement: null,
    },
    placement,
    imports: {},
    values: {},
    digests: {},
    explanation: [],
  };
}

/**
 * What a graph accumulates over weeks under autoscaling, after its deployment: mostly replica
 * changes, some failed scale calls, infeasible rounds and the re-placements they caused (to the
 * same clusters, so nothing needs reinstalling). Deterministic: event i is always the same.
 */
export function longHistoryEvent(graphId: string, i: number, basis: PlacementDecided['data']): GraphEvent {
  const serviceId = i % 2 === 0 ? 'noise-reduction' : 'image-detection';
  const cluster = basis.placement[serviceId] ?? 'cluster-a';
  const from = 1 + (Math.floor(i / 2) % 4);
  const to = 1 + ((Math.floor(i / 2) + 1) % 4);
  if (i % 50 === 49) return { type: 'PlacementDecided', data: { ...basis, decisionId: deterministicId('long-history', graphId, i), reason: 'scaling-infeasible', moves: 0, durationMs: 12 } };
  if (i % 50 === 29) {
    return {
      type: 'ScalingInfeasible',
      data: { graphId, cluster, services: ['noise-reduction', 'image-detection'], reason: 'Serving the current rates needs 9 cores but the cluster has 8.', bindingResource: 'cpu', requestRates: { 'noise-reduction': 3.2, 'image-detection': 2.9 } },
    };
  }
  if (i % 25 === 7) return { type: 'ServiceScalingFailed', data: { graphId, serviceId, cluster, from, to, error: 'Karmada answered 503: the server is currently unable to handle the request' } };
  return { type: 'ServiceScaled', data: { graphId, serviceId, cluster, from, to, requestRate: 0.25 * to, solver: 'highs', objective: to } };
}

/** Appends `count` long-history events to a graph's stream through the store, in batches. */
export async function appendLongHistory(
  store: EventStore,
  graphId: string,
  count: number,
  basis: PlacementDecided['data'],
  options: { batch?: number; firstIndex?: number; onProgress?: (appended: number) => void } = {},
): Promise<void> {
  const batch = options.batch ?? 1000;
  const first = options.firstIndex ?? 0;
  for (let start = 0; start < count; start += batch) {
    const events: NewEvent[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const event = longHistoryEvent(graphId, first + i, basis);
      const commandId = deterministicId('long-history', graphId, first + i);
      events.push({
        id: deterministicId(commandId, 0),
        type: event.type,
        data: event.data,
        metadata: { correlationId: commandId, causationId: commandId, commandId, actor: 'processor:scaling', at: new Date().toISOString(), schemaVersion: 1 },
      });
    }
    await store.appendToStream(graphStream(graphId), events);
    options.onProgress?.(Math.min(count, start + batch));
  }
}
