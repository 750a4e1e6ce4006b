import { LatencyConstraint, latencyConstraints, latencyLimits, latencyMatrix, validateServiceLatencies } from './latency';
import { ClusterCapacity, InvalidOptimizerInput, LatencyLimitsMs, NetworkInputs, Placement, ServiceDemand } from './model';

/**
 * The normalised placement problem both algorithms work on: available clusters sorted by name
 * (upstream used database order, B25), services in descriptor order, demands multiplied by replicas.
 */

export interface ClusterSlot {
  readonly name: string;
  readonly cpu: number;
  /** undefined: not reported, so not constrained. */
  readonly memoryBytes: number | undefined;
  /** undefined: not reported (no acceleration, no count constraint). */
  readonly gpus: number | undefined;
  readonly accelerated: boolean;
}

export interface ServiceLoad {
  readonly id: string;
  readonly replicas: number;
  /** Totals over all replicas. */
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly gpus: number;
  readonly needsGpu: boolean;
}

/** CPU amounts are compared on Kubernetes' finest grid, the nanocore (exact-capacity.ts; withinCapacity). */
export const NANOCORES_PER_CORE = 1e9;

export interface PlacementProblem {
  readonly clusters: readonly ClusterSlot[];
  readonly services: readonly ServiceLoad[];
  /** Clusters present in the input but not available, by name. */
  readonly unavailable: readonly string[];
  /** Round-trip times between the clusters above, by index: 0 on the diagonal, undefined when unknown. */
  readonly latencyMs: readonly (readonly (number | undefined)[])[];
  readonly latencyLimitsMs: LatencyLimitsMs;
  /** The latency requirements that constrain (best-effort and dangling ones dropped, duplicates merged). */
  readonly latency: readonly LatencyConstraint[];
}

/**
 * Absolute slack for capacity comparisons of sums in floating point: half a point of the grid (half a nanocore), so
 * 0.1 + 0.2 cores fit 0.3, and one byte, one GPU or one nanocore over does not. (A slack relative to the capacity
 * let 1 byte over 1 GiB, 1 KB over 1 TiB, through.) exact-capacity.ts checks the final placements in integers.
 */
const CAPACITY_SLACK = 0.5 / NANOCORES_PER_CORE;

export function withinCapacity(used: number, capacity: number): boolean {
  return used <= capacity + CAPACITY_SLACK;
}

/** Code-unit order: locale-independent, so every process sorts the same way. */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function buildPlacementProblem(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  network: NetworkInputs = {},
): PlacementProblem {
  assertUnique(clusters.map((cluster) => cluster.name), 'cluster name');
  assertUnique(services.map((service) => service.id), 'service id');
  clusters.forEach(validateCluster);
  services.forEach(validateService);
  const available = clusters.filter((cluster) => cluster.available).map(toSlot).sort(byName);
  const unavailable = clusters.filter((cluster) => !cluster.available).map((cluster) => cluster.name).sort();
  const limits = latencyLimits(network);
  const latencyMs = latencyMatrix(available.map((cluster) => cluster.name), network.clusterLatencyMs);
  return {
    clusters: available,
    services: services.map(toLoad),
    unavailable,
    latencyMs,
    latencyLimitsMs: limits,
    latency: latencyConstraints(services, latencyMs, limits),
  };
}

/** Current placement as service index → cluster index, for services whose cluster is still available. */
export function currentAssignment(problem: PlacementProblem, current: Placement | undefined): Map<number, number> {
  const assignment = new Map<number, number>();
  if (current === undefined) return assignment;
  const clusterIndex = new Map(problem.clusters.map((cluster, index) => [cluster.name, index]));
  problem.services.forEach((service, serviceIndex) => {
    const name = current[service.id];
    const index = name === undefined ? undefined : clusterIndex.get(name);
    if (index !== undefined) assignment.set(serviceIndex, index);
  });
  return assignment;
}

export type Resource = 'cpu' | 'memory' | 'gpu';

/** What a cluster already hosts. */
export interface Usage {
  cpu: number;
  memoryBytes: number;
  gpus: number;
}

export const noUsage = (): Usage => ({ cpu: 0, memoryBytes: 0, gpus: 0 });

/** The resources (gpu, cpu, memory order) a cluster with `usage` lacks for the service; empty when it fits. */
export function shortfalls(service: ServiceLoad, cluster: ClusterSlot, usage: Usage = noUsage()): Resource[] {
  const missing: Resource[] = [];
  if (service.needsGpu && !(cluster.accelerated && withinCapacity(usage.gpus + service.gpus, cluster.gpus ?? 0))) {
    missing.push('gpu');
  }
  if (!withinCapacity(usage.cpu + service.cpu, cluster.cpu)) missing.push('cpu');
  if (cluster.memoryBytes !== undefined && !withinCapacity(usage.memoryBytes + service.memoryBytes, cluster.memoryBytes)) {
    missing.push('memory');
  }
  return missing;
}

function toSlot(cluster: ClusterCapacity): ClusterSlot {
  const gpus = cluster.gpu ?? undefined;
  return {
    name: cluster.name,
    cpu: cluster.cpu,
    memoryBytes: cluster.memoryBytes ?? undefined,
    gpus,
    accelerated: gpus !== undefined && gpus > 0,
  };
}

function toLoad(service: ServiceDemand): ServiceLoad {
  return {
    id: service.id,
    replicas: service.replicas,
    cpu: service.cpu * service.replicas,
    memoryBytes: (service.memoryBytes ?? 0) * service.replicas,
    gpus: service.gpu ? service.replicas : 0, // one GPU per replica
    needsGpu: service.gpu,
  };
}

function validateCluster(cluster: ClusterCapacity): void {
  assertAmount(cluster.cpu, `cluster ${cluster.name} cpu`);
  if (cluster.memoryBytes != null) assertAmount(cluster.memoryBytes, `cluster ${cluster.name} memoryBytes`);
  if (cluster.gpu != null) assertAmount(cluster.gpu, `cluster ${cluster.name} gpu`);
}

function validateService(service: ServiceDemand): void {
  assertAmount(service.cpu, `service ${service.id} cpu`);
  if (service.memoryBytes != null) assertAmount(service.memoryBytes, `service ${service.id} memoryBytes`);
  if (!Number.isInteger(service.replicas) || service.replicas < 0) {
    throw new InvalidOptimizerInput(`service ${service.id} replicas must be a non-negative integer`);
  }
  validateServiceLatencies(service);
}

function assertAmount(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) throw new InvalidOptimizerInput(`${what} must be a finite number ≥ 0`);
}

function assertUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new InvalidOptimizerInput(`duplicate ${what} "${value}"`);
    seen.add(value);
  }
}

/** Service index → cluster index as a Placement (service id → cluster name), in service order. */
export function toPlacement(problem: PlacementProblem, assignment: readonly number[]): Placement {
  const placement: Record<string, string> = {};
  problem.services.forEach((service, index) => {
    const cluster = problem.clusters[assignment[index] ?? -1];
    if (cluster === undefined) throw new Error(`service ${service.id} has no cluster`);
    placement[service.id] = cluster.name;
  });
  return placement;
}
