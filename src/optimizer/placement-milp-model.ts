import { Placement } from './model';
import { PEAK_PERCENT_MAX, placementWeights } from './objective';
import { PlacementProblem, Resource, currentAssignment, shortfalls } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, ModelVariable, binaryVariable } from './solver';

/**
 * The placement MILP (generalises upstream §5.2):
 *   x[s][c] ∈ {0,1} only for pairs where c can host s alone (this enforces acceleration for every service, B9);
 *   Σ_c x[s][c] = 1; per cluster Σ memory·x ≤ memory (if reported), Σ gpus·x ≤ gpus (if reported);
 *   peak ∈ {0..100} with 100·Σ cpu·x / cpu_c ≤ peak: balance and, through peak ≤ 100, the CPU capacity;
 *   latency: for each requirement (a, b) and cluster c1, x[a][c1] + Σ_{c2 : (c1, c2) forbidden} x[b][c2] ≤ 1
 *   (equivalent to x[a][c1] + x[b][c2] ≤ 1 per forbidden pair, since b is on exactly one cluster, but tighter);
 *   minimise the weighted moves, moved replicas and peak (objective.ts).
 */

export interface PlacementMilp {
  readonly model: LinearModel;
  /** Name of x[s][c], or undefined when c cannot host s. */
  readonly variable: (service: number, cluster: number) => string | undefined;
}

export interface PlacementMilpOptions {
  /**
   * A feasibility probe for diagnosis: no objective and no balance rows (CPU gets plain capacity rows),
   * without the constraints of the `relax` resources and with only the `latency` requirements listed.
   */
  readonly probe?: {
    readonly relax?: readonly Resource[];
    /** Indices into problem.latency to enforce; default all. */
    readonly latency?: readonly number[];
  };
}

const GIB = 2 ** 30; // memory rows in GiB keep coefficients near 1
const PEAK = 'peak';

export function buildPlacementMilp(
  problem: PlacementProblem,
  current: Placement | undefined,
  options: PlacementMilpOptions = {},
): PlacementMilp {
  const probe = options.probe;
  const relaxed = (resource: Resource): boolean => probe?.relax?.includes(resource) ?? false;
  const names = problem.services.map((service, s) =>
    problem.clusters.map((cluster, c) => (shortfalls(service, cluster).every(relaxed) ? `x_${s}_${c}` : undefined)),
  );
  const variable = (s: number, c: number): string | undefined => names[s]?.[c];
  const variables: ModelVariable[] = names.flatMap((row) => row.flatMap((name) => (name ? [binaryVariable(name)] : [])));
  const constraints: LinearConstraint[] = [];

  problem.services.forEach((_, s) => {
    const terms = problem.clusters.flatMap((_cluster, c) => term(variable(s, c), 1));
    constraints.push({ name: `assign_${s}`, terms, sense: '=', rhs: 1 });
  });
  const column = (c: number, coefficient: (s: number) => number): LinearTerm[] =>
    problem.services.flatMap((_, s) => term(variable(s, c), coefficient(s)));

  problem.clusters.forEach((cluster, c) => {
    // Without a relaxation the balance rows (peak ≤ 100) already cap CPU; a second copy only slows the solvers.
    const cpu = column(c, (s) => problem.services[s]?.cpu ?? 0);
    if (probe !== undefined && !relaxed('cpu') && cpu.length > 0) {
      constraints.push({ name: `cpu_${c}`, terms: cpu, sense: '<=', rhs: cluster.cpu });
    }
    const memory = column(c, (s) => (problem.services[s]?.memoryBytes ?? 0) / GIB);
    if (!relaxed('memory') && cluster.memoryBytes !== undefined && memory.length > 0) {
      constraints.push({ name: `memory_${c}`, terms: memory, sense: '<=', rhs: cluster.memoryBytes / GIB });
    }
    const gpus = column(c, (s) => problem.services[s]?.gpus ?? 0);
    if (!relaxed('gpu') && cluster.gpus !== undefined && gpus.length > 0) {
      constraints.push({ name: `gpu_${c}`, terms: gpus, sense: '<=', rhs: cluster.gpus });
    }
  });
  constraints.push(...latencyRows(problem, variable, probe?.latency));

  if (probe !== undefined) {
    const name = `placement-probe${(probe.relax ?? []).map((resource) => `-without-${resource}`).join('')}`;
    return { model: { name, sense: 'minimize', objective: [], variables, constraints }, variable };
  }

  variables.push({ name: PEAK, lower: 0, upper: PEAK_PERCENT_MAX, integer: true });
  problem.clusters.forEach((cluster, c) => {
    if (cluster.cpu <= 0) return; // only services without CPU demand are eligible here
    const utilisation = column(c, (s) => (100 * (problem.services[s]?.cpu ?? 0)) / cluster.cpu);
    if (utilisation.length === 0) return;
    constraints.push({ name: `balance_${c}`, terms: [...utilisation, { variable: PEAK, coefficient: -1 }], sense: '<=', rhs: 0 });
  });

  // Each move costs a constant, paid unless x[s][current] = 1: offset W_s, coefficient −W_s.
  const weights = placementWeights(problem);
  const assigned = currentAssignment(problem, current);
  const objective: LinearTerm[] = [{ variable: PEAK, coefficient: weights.percent }];
  let offset = 0;
  problem.services.forEach((service, s) => {
    if (current?.[service.id] === undefined) return;
    const weight = weights.move + weights.replica * service.replicas;
    offset += weight;
    const stay = variable(s, assigned.get(s) ?? -1);
    if (stay !== undefined) objective.push({ variable: stay, coefficient: -weight });
  });
  return {
    model: { name: 'placement', sense: 'minimize', objective, objectiveOffset: offset, variables, constraints },
    variable,
  };
}

/**
 * For each requirement (a, b) and each cluster c1 that can host a: x[a][c1] + Σ x[b][c2] ≤ 1 over the clusters
 * c2 that can host b and are too far from c1 (forbidden pairs). Shared with the capacity-gap models, where
 * `variable` may also cover a virtual cluster beyond problem.clusters (allowed only with itself).
 */
export function latencyRows(
  problem: PlacementProblem,
  variable: (service: number, cluster: number) => string | undefined,
  only?: readonly number[],
  clusterCount = problem.clusters.length,
): LinearConstraint[] {
  const rows: LinearConstraint[] = [];
  const allowedPair = (allowed: readonly (readonly boolean[])[], c1: number, c2: number): boolean =>
    c1 === c2 || (allowed[c1]?.[c2] ?? false);
  const indices = only ?? problem.latency.map((_, k) => k);
  for (const k of indices) {
    const requirement = problem.latency[k];
    if (requirement === undefined) continue;
    for (let c1 = 0; c1 < clusterCount; c1++) {
      const own = variable(requirement.a, c1);
      if (own === undefined) continue;
      const forbidden: LinearTerm[] = [];
      for (let c2 = 0; c2 < clusterCount; c2++) {
        if (!allowedPair(requirement.allowed, c1, c2)) forbidden.push(...term(variable(requirement.b, c2), 1));
      }
      if (forbidden.length > 0) rows.push({ name: `latency_${k}_${c1}`, terms: [{ variable: own, coefficient: 1 }, ...forbidden], sense: '<=', rhs: 1 });
    }
  }
  return rows;
}

function term(variable: string | undefined, coefficient: number): LinearTerm[] {
  return variable === undefined || coefficient === 0 ? [] : [{ variable, coefficient }];
}
