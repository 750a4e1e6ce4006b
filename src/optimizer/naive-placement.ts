import { describeRequirement } from './latency';
import { ClusterCapacity, NetworkInputs, Placement, PlacementInfeasible, PlacementResult, ServiceDemand } from './model';
import { evaluateAssignment } from './objective';
import { PlacementProblem, buildPlacementProblem, noUsage, shortfalls, toPlacement, withinCapacity } from './problem';
import { bindingResourceOf, unmeetableLatency } from './infeasibility';

/**
 * First-fit placement as upstream `calculate_naive_placement` (§5.1), with the same error texts.
 * Deviations: the single-service check compares with the largest cluster, not the smallest (B8);
 * clusters are taken in name order; memory and GPU counts are checked where clusters report them;
 * latency requirements are checked against the services already placed (first fit may then fail where
 * the MILP finds a placement: it never revisits an earlier choice).
 */

export const NAIVE_ERRORS = {
  singleServiceTooBig:
    'A single service cannot fit into any cluster. Increase cluster capacity or reduce service requirements.',
  insufficientTotal: 'Insufficient total capacity to fit all services across the clusters.',
  /** Upstream formats the service index and its CPU requirement (replicas × cpu). */
  notPlaced: (serviceIndex: number, requirement: number): string =>
    `Service ${serviceIndex} with requirement ${requirement} could not be placed in any cluster.`,
  noCluster: 'No cluster is available.',
  /** Not upstream: every cluster with room is too far from a service already placed. */
  latencyBlocked: (serviceIndex: number, serviceId: string, requirements: readonly string[], roomy: readonly string[]): string =>
    `Service ${serviceIndex} (${serviceId}) could not be placed: latency requirement${requirements.length > 1 ? 's' : ''} ` +
    `${requirements.join(', ')} rule${requirements.length > 1 ? '' : 's'} out every cluster with room (${roomy.join(', ')}).`,
} as const;

/** `current` only feeds the reported moves; first-fit ignores it. */
export function naivePlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  current?: Placement,
  network: NetworkInputs = {},
): PlacementResult {
  const problem = buildPlacementProblem(clusters, services, network);
  const failure = precheck(problem);
  if (failure !== undefined) return failure;

  const used = problem.clusters.map(noUsage);
  const assignment: number[] = [];
  for (const [serviceIndex, service] of problem.services.entries()) {
    const roomy = problem.clusters.flatMap((cluster, c) => (shortfalls(service, cluster, used[c]).length === 0 ? [c] : []));
    const clusterIndex = roomy.find((c) => blockingRequirements(problem, serviceIndex, c, assignment).length === 0) ?? -1;
    const usage = used[clusterIndex];
    if (usage === undefined && roomy.length > 0) {
      return latencyBlocked(problem, serviceIndex, roomy, assignment);
    }
    if (usage === undefined) {
      return {
        feasible: false,
        kind: 'infeasible',
        reason: NAIVE_ERRORS.notPlaced(serviceIndex, service.cpu),
        serviceId: service.id,
        ...bindingOf(bindingResourceOf(service, problem.clusters, used)),
      };
    }
    usage.cpu += service.cpu;
    usage.memoryBytes += service.memoryBytes;
    usage.gpus += service.gpus;
    assignment.push(clusterIndex);
  }
  const { terms, objective } = evaluateAssignment(problem, assignment, current);
  return { feasible: true, placement: toPlacement(problem, assignment), terms, objective, provenOptimal: false };
}

/** Upstream's two pre-checks (largest cluster per B8), plus "no cluster at all". */
function precheck(problem: PlacementProblem): PlacementInfeasible | undefined {
  if (problem.clusters.length === 0) {
    return { feasible: false, kind: 'infeasible', reason: NAIVE_ERRORS.noCluster, bindingResource: 'clusters' };
  }
  // GPU is left to first-fit, as upstream, so a GPU service without an accelerated cluster gets "could not be placed".
  const tooBig = problem.services.find((service) =>
    problem.clusters.every((cluster) => shortfalls(service, cluster).some((resource) => resource !== 'gpu')),
  );
  if (tooBig !== undefined) {
    return {
      feasible: false,
      kind: 'infeasible',
      reason: NAIVE_ERRORS.singleServiceTooBig,
      serviceId: tooBig.id,
      ...bindingOf(bindingResourceOf({ ...tooBig, needsGpu: false }, problem.clusters, problem.clusters.map(noUsage))),
    };
  }
  const total = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0);
  if (!withinCapacity(total(problem.services.map((s) => s.cpu)), total(problem.clusters.map((c) => c.cpu)))) {
    return { feasible: false, kind: 'infeasible', reason: NAIVE_ERRORS.insufficientTotal, bindingResource: 'cpu' };
  }
  const memoryCapacities = problem.clusters.map((cluster) => cluster.memoryBytes);
  if (
    memoryCapacities.every((capacity) => capacity !== undefined) &&
    !withinCapacity(total(problem.services.map((s) => s.memoryBytes)), total(memoryCapacities.map((c) => c ?? 0)))
  ) {
    return { feasible: false, kind: 'infeasible', reason: NAIVE_ERRORS.insufficientTotal, bindingResource: 'memory' };
  }
  return unmeetableLatency(problem);
}

/** Indices into problem.latency of the requirements that forbid service s on cluster c, given the services placed so far. */
function blockingRequirements(problem: PlacementProblem, s: number, c: number, assignment: readonly number[]): number[] {
  return problem.latency.flatMap((requirement, k) => {
    const other = requirement.a === s ? requirement.b : requirement.b === s ? requirement.a : undefined;
    const there = other === undefined ? undefined : assignment[other];
    return there === undefined || requirement.allowed[c]?.[there] === true ? [] : [k];
  });
}

function latencyBlocked(problem: PlacementProblem, s: number, roomy: readonly number[], assignment: readonly number[]): PlacementInfeasible {
  const blocking = [...new Set(roomy.flatMap((c) => blockingRequirements(problem, s, c, assignment)))].sort((x, y) => x - y);
  const refs = blocking.flatMap((k) => {
    const ref = problem.latency[k]?.ref;
    return ref === undefined ? [] : [ref];
  });
  const service = problem.services[s];
  const names = refs.map((ref) => describeRequirement(ref, problem.latencyLimitsMs));
  const clusters = roomy.map((c) => problem.clusters[c]?.name ?? '?');
  return {
    feasible: false,
    kind: 'infeasible',
    reason: NAIVE_ERRORS.latencyBlocked(s, service?.id ?? '?', names, clusters),
    bindingResource: 'latency',
    ...(service === undefined ? {} : { serviceId: service.id }),
    ...(refs[0] === undefined ? {} : { requirement: refs[0] }),
  };
}

function bindingOf(resource: PlacementInfeasible['bindingResource']): Pick<PlacementInfeasible, 'bindingResource'> {
  return resource === undefined ? {} : { bindingResource: resource };
}
