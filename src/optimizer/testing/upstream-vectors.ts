import { ClusterCapacity, Placement, ServiceDemand } from '../model';

/**
 * Translates the upstream matrix-style vectors (test/fixtures/vectors) into this module's types.
 * Clusters become c000, c001, … so name order equals column order. Upstream clusters carry only an
 * acceleration flag; a flagged cluster gets as many GPUs as all GPU replicas together, so the GPU
 * count (which upstream does not model) never binds and only acceleration matters.
 */

export interface UpstreamInstance {
  readonly capacities: readonly number[];
  readonly clusterAcceleration: readonly number[];
  readonly cpu: readonly number[];
  readonly acceleration: readonly number[];
  readonly replicas: readonly number[];
}

export type Matrix = readonly (readonly number[])[];

export const clusterName = (index: number): string => `c${String(index).padStart(3, '0')}`;
export const serviceId = (index: number): string => `s${index}`;

export function upstreamClusters(instance: UpstreamInstance): ClusterCapacity[] {
  const gpuReplicas = instance.replicas.reduce((sum, replicas, s) => sum + (instance.acceleration[s] ? replicas : 0), 0);
  return instance.capacities.map((cpu, c) => ({
    name: clusterName(c),
    cpu,
    gpu: instance.clusterAcceleration[c] ? Math.max(1, gpuReplicas) : 0,
    available: true,
  }));
}

export function upstreamServices(instance: UpstreamInstance): ServiceDemand[] {
  return instance.cpu.map((cpu, s) => ({
    id: serviceId(s),
    cpu,
    gpu: (instance.acceleration[s] ?? 0) > 0,
    replicas: instance.replicas[s] ?? 1,
  }));
}

export function matrixToPlacement(matrix: Matrix): Placement {
  return Object.fromEntries(matrix.map((row, s) => [serviceId(s), clusterName(row.indexOf(1))]));
}

export function placementToMatrix(placement: Placement, services: number, clusters: number): number[][] {
  return Array.from({ length: services }, (_, s) =>
    Array.from({ length: clusters }, (_, c) => (placement[serviceId(s)] === clusterName(c) ? 1 : 0)),
  );
}
