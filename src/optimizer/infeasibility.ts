import { BindingResource, Placement, PlacementInfeasible } from './model';
import { buildPlacementMilp } from './placement-milp-model';
import { ClusterSlot, PlacementProblem, Resource, ServiceLoad, Usage, noUsage, shortfalls, withinCapacity } from './problem';
import { Solver, hasSolution } from './solver';

/** Finds the resource that makes a placement problem infeasible, cheapest test first. */

const RESOURCE_ORDER: readonly Resource[] = ['gpu', 'cpu', 'memory'];

/** The first resource (gpu, cpu, memory) that no cluster can offer the service given `used`; undefined if only a combination fails. */
export function bindingResourceOf(
  service: ServiceLoad,
  clusters: readonly ClusterSlot[],
  used: readonly Usage[],
): Resource | undefined {
  const missing = clusters.map((cluster, index) => shortfalls(service, cluster, used[index]));
  return RESOURCE_ORDER.find((resource) => missing.every((resources) => resources.includes(resource)));
}

/** Checks that need no solver: no cluster, a service that fits no cluster alone, aggregate demand over supply. */
export function diagnoseWithoutSolver(problem: PlacementProblem): PlacementInfeasible | undefined {
  if (problem.clusters.length === 0) {
    return infeasible('No cluster is available.', 'clusters');
  }
  const homeless = problem.services.find((service) =>
    problem.clusters.every((cluster) => shortfalls(service, cluster).length > 0),
  );
  if (homeless !== undefined) {
    const resource = bindingResourceOf(homeless, problem.clusters, problem.clusters.map(noUsage));
    const why = resource === undefined ? 'no cluster offers its cpu, memory and GPUs together' : `not enough ${resource}`;
    return { ...infeasible(`Service ${homeless.id} fits no available cluster on its own: ${why}.`, resource), serviceId: homeless.id };
  }
  return aggregateShortfall(problem);
}

function aggregateShortfall(problem: PlacementProblem): PlacementInfeasible | undefined {
  const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
  const demand = (pick: (service: ServiceLoad) => number): number => sum(problem.services.map(pick));
  const checks: { resource: Resource; need: number; have: number | undefined }[] = [
    { resource: 'gpu', need: demand((s) => s.gpus), have: sum(problem.clusters.map((c) => (c.accelerated ? (c.gpus ?? 0) : 0))) },
    { resource: 'cpu', need: demand((s) => s.cpu), have: sum(problem.clusters.map((c) => c.cpu)) },
    {
      resource: 'memory',
      need: demand((s) => s.memoryBytes),
      // Only comparable when every cluster reports memory.
      have: problem.clusters.every((c) => c.memoryBytes !== undefined) ? sum(problem.clusters.map((c) => c.memoryBytes ?? 0)) : undefined,
    },
  ];
  const short = checks.find((check) => check.have !== undefined && !withinCapacity(check.need, check.have));
  if (short === undefined) return undefined;
  return infeasible(`Total ${short.resource} demand ${short.need} exceeds the ${short.have} available.`, short.resource);
}

/** After the solver proved infeasibility: drop one constraint family at a time; the first whose removal helps is binding. */
export async function diagnoseWithRelaxations(
  problem: PlacementProblem,
  current: Placement | undefined,
  solver: Solver,
  timeLimitMs: number,
): Promise<PlacementInfeasible> {
  for (const resource of ['cpu', 'memory', 'gpu'] as const) {
    const { model } = buildPlacementMilp(problem, current, { relax: resource });
    const result = await solver.solve(model, { timeLimitMs });
    if (hasSolution(result)) {
      return infeasible(`No placement fits every cluster's ${resource}; every other constraint could be met.`, resource);
    }
  }
  return infeasible('No placement satisfies the cpu, memory and GPU constraints together.', undefined);
}

function infeasible(reason: string, bindingResource: BindingResource | undefined): PlacementInfeasible {
  return { feasible: false, kind: 'infeasible', reason, ...(bindingResource === undefined ? {} : { bindingResource }) };
}
