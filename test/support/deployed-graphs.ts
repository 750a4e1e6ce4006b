import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { normalise, validateDescriptor } from '../../src/descriptor';
import { placedValues } from '../../src/domain/graph/placement-values';
import { graphStream, type GraphEvent } from '../../src/domain/graph/events';
import type { RecordedEvent } from '../../src/eventstore/event-store';
import { createServiceImports } from '../../src/optimizer/service-imports';
import { logicalTarget, projectPage } from '../../src/processing/projection';
import type { ReadStore } from '../../src/readstore/read-store';
import { digestOf } from '../../src/shared/canonical-json';
import { graphsProjection } from '../../projections/graphs.projection';
import { independentServicesDescriptor } from './graph-fixtures';

export interface DeployedGraphShape {
  project: string;
  /** Services of the graph, each with one of `charts` in turn. */
  services: number;
  charts: readonly string[];
  /** Services are placed on these in turn. */
  clusters: readonly string[];
  /** The namespace each ServiceDeployed names. */
  namespace: string;
}

/** The events of a graph deployed everywhere: submitted, placed (values and digests as the placement processor computes them), each service deployed. */
export function deployedGraphEvents(graphId: string, shape: DeployedGraphShape): GraphEvent[] {
  const result = validateDescriptor(parse(independentServicesDescriptor(graphId, shape.services, shape.charts)));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const normalised = normalise(result.descriptor);
  const placement = Object.fromEntries(normalised.services.map((service, i) => [service.id, shape.clusters[i % shape.clusters.length]!]));
  const imports = createServiceImports(normalised.services, placement);
  const values = placedValues(normalised.services, placement, imports);
  const digests = Object.fromEntries(normalised.services.map((service) => [service.id, digestOf({ cluster: placement[service.id], values: values[service.id] })]));
  const services = normalised.services.map((service) => ({ id: service.id, cpu: 0.5, memoryBytes: 256 * 2 ** 20, gpu: false, replicas: 1 }));
  return [
    { type: 'GraphSubmitted', data: { graphId, project: shape.project, descriptor: result.descriptor.hdaGraph as unknown as Record<string, unknown>, source: { form: 'yaml' }, normalised, warnings: [] } },
    {
      type: 'PlacementDecided',
      data: {
        graphId, decisionId: `d-${graphId}`, reason: 'first-deploy', algorithm: 'milp', solver: 'highs', objective: 0, moves: 0, durationMs: 1,
        inputs: { clusters: [], services, previousPlacement: null }, placement, imports, values, digests, explanation: [],
      },
    },
    ...normalised.services.map((service): GraphEvent => ({
      type: 'ServiceDeployed',
      data: { graphId, serviceId: service.id, action: 'install', cluster: placement[service.id]!, namespace: shape.namespace, chart: service.artifact.ref, values: values[service.id]!, valuesDigest: digests[service.id]!, command: ['helm', 'upgrade', '--install'] },
    })),
  ];
}

/**
 * Folds one graph's events through the graphs projection into the read store, as its live loop would (one commit),
 * at the positions after `afterPosition`, without an event store: answers the last position used.
 */
export async function projectIntoGraphs(readStore: ReadStore, graphId: string, events: readonly GraphEvent[], afterPosition: number): Promise<number> {
  const created = new Date().toISOString();
  const recorded = events.map((event, revision) => ({ id: randomUUID(), ...event, metadata: {}, streamId: graphStream(graphId), revision, position: afterPosition + revision + 1, created }) as RecordedEvent);
  await readStore.commit(await projectPage((collection, ids) => readStore.getMany(collection, ids), graphsProjection, logicalTarget(graphsProjection), recorded));
  return afterPosition + recorded.length;
}
