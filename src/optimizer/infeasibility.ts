import { CapacityCover, solveWithinCapacity } from './exact-capacity';
import { describeRequirement, formatLatency } from './latency';
import { BindingResource, Placement, PlacementInfeasible } from './model';
import { PlacementMilpOptions, buildPlacementMilp } from './placement-milp-model';
import { ClusterSlot, PlacementProblem, Resource, ServiceLoad, Usage, noUsage, shortfalls, withinCapacity } from './problem';
import { Solver } from './solver';

/** Finds the resource (or latency requirement) that makes a placement problem infeasible, cheapest test first. */

const RESOURCE_ORDER: readonly Resource[] = ['gpu', 'cpu', 'memory'];
/** Deletion filter over latency requirements: at most this many probes, then the set found so far is named. */
const MAX_LATENCY_PROBES = 30;
/** Cluster pairs quoted in a latency message. */
const MAX_PAIRS_QUOTED = 6;

/** The first resource (gpu, cpu, memory) that no cluster can offer the service given `used`; undefined if only a combination fails. */
export function bindingResourceOf(
  service: ServiceLoad,
  clusters: readonly ClusterSlot[],
  used: readonly Usage[],
): Resource | undefined {
  const missing = clusters.map((cluster, index) => shortfalls(service, cluster, used[index]));
  return RESOURCE_ORDER.find((resource) => missing.every((resources) => resources.includes(resource)));
}

/**
 * Checks that need no solver: no cluster, a service that fits no cluster alone, a latency requirement that no
 * pair of clusters able to host its two services meets, aggregate demand over supply.
 */
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
  return unmeetableLatency(problem) ?? aggregateShortfall(problem);
}

/**
 * The first latency requirement that no pair of clusters meets, each cluster able to host its service alone
 * (two services that fit one common cluster always meet it there, at 0 ms).
 */
export function unmeetableLatency(problem: PlacementProblem): PlacementInfeasible | undefined {
  const hosts = (service: number): number[] =>
    problem.clusters.flatMap((cluster, c) => {
      const load = problem.services[service];
      return load !== undefined && shortfalls(load, cluster).length === 0 ? [c] : [];
    });
  for (const [k, requirement] of problem.latency.entries()) {
    const hostsA = hosts(requirement.a);
    const hostsB = hosts(requirement.b);
    const met = hostsA.some((c1) => hostsB.some((c2) => requirement.allowed[c1]?.[c2] === true));
    if (met) continue;
    const name = (c: number): string => problem.clusters[c]?.name ?? '?';
    const pairs = hostsA.flatMap((c1) => hostsB.map((c2) => `${name(c1)}–${name(c2)} ${formatLatency(problem.latencyMs[c1]?.[c2])}`));
    const quoted = pairs.slice(0, MAX_PAIRS_QUOTED).join(', ') + (pairs.length > MAX_PAIRS_QUOTED ? `, and ${pairs.length - MAX_PAIRS_QUOTED} more` : '');
    const { serviceId, connectionPoint } = requirement.ref;
    const detail =
      hostsA.length === 0 || hostsB.length === 0
        ? 'one of the services fits no cluster'
        : `no cluster that can host ${serviceId} is close enough to one that can host ${connectionPoint} (${quoted})`;
    return latencyInfeasible(problem, [k], `cannot be met: ${detail}.`);
  }
  return undefined;
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

/**
 * After the solver proved infeasibility (with `covers`, the placements over capacity it found on the way). With latency requirements, first the problem without them: if it is
 * feasible, latency is binding and a deletion filter names a minimal set of requirements that conflicts with the
 * capacities. Otherwise (and always without requirements) drop one resource family at a time, latency rows
 * dropped too: the first whose removal helps is binding.
 */
export async function diagnoseWithRelaxations(
  problem: PlacementProblem,
  current: Placement | undefined,
  solver: Solver,
  timeLimitMs: number,
  covers: CapacityCover[] = [],
): Promise<PlacementInfeasible> {
  // A probe's placement counts only within the capacities it keeps, exactly (exact-capacity.ts).
  const feasible = async (probe: NonNullable<PlacementMilpOptions['probe']>): Promise<boolean | undefined> => {
    const build = (known: readonly CapacityCover[]) => buildPlacementMilp(problem, current, { probe, covers: known });
    const { result, assignment } = await solveWithinCapacity(problem, solver, covers, build, { timeLimitMs, ...(probe.relax ? { relaxed: probe.relax } : {}) });
    return assignment !== undefined ? true : result.status === 'infeasible' ? false : undefined;
  };
  if (problem.latency.length > 0 && (await feasible({ latency: [] })) === true) {
    let kept = problem.latency.map((_, k) => k);
    for (const k of kept.slice(0, MAX_LATENCY_PROBES)) {
      const candidate = kept.filter((index) => index !== k);
      if (candidate.length > 0 && (await feasible({ latency: candidate })) === false) kept = candidate;
    }
    const together = kept.length > 1 ? ' together' : '';
    return latencyInfeasible(
      problem,
      kept,
      `cannot be met${together} within the clusters' capacity: every placement that meets ${kept.length > 1 ? 'them' : 'it'} overloads a cluster, and without ${kept.length > 1 ? 'them' : 'it'} a placement exists.`,
    );
  }
  for (const resource of ['cpu', 'memory', 'gpu'] as const) {
    if ((await feasible({ relax: [resource], latency: [] })) === true) {
      return infeasible(`No placement fits every cluster's ${resource}; every other constraint could be met.`, resource);
    }
  }
  return infeasible('No placement satisfies the cpu, memory and GPU constraints together.', undefined);
}

/** Names the requirements (indices into problem.latency); the first one goes in `requirement`. */
function latencyInfeasible(problem: PlacementProblem, indices: readonly number[], what: string): PlacementInfeasible {
  const refs = indices.flatMap((k) => {
    const ref = problem.latency[k]?.ref;
    return ref === undefined ? [] : [ref];
  });
  const first = refs[0];
  const names = refs.map((ref) => describeRequirement(ref, problem.latencyLimitsMs));
  const listed = names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
  const reason = `Latency requirement${refs.length > 1 ? 's' : ''} ${listed} ${what}`;
  return {
    ...infeasible(reason, 'latency'),
    ...(first === undefined ? {} : { serviceId: first.serviceId, requirement: first }),
  };
}

function infeasible(reason: string, bindingResource: BindingResource | undefined): PlacementInfeasible {
  return { feasible: false, kind: 'infeasible', reason, ...(bindingResource === undefined ? {} : { bindingResource }) };
}
