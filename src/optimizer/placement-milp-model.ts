import { Placement } from './model';
import { PEAK_PERCENT_MAX, placementWeights } from './objective';
import { PlacementProblem, Resource, currentAssignment, shortfalls } from './problem';
import { LinearConstraint, LinearModel, LinearTerm, ModelVariable, binaryVariable } from './solver';

/**
 * The placement MILP (generalises upstream §5.2):
 *   x[s][c] ∈ {0,1} only for pairs where c can host s alone (this enforces acceleration for every service, B9);
 *   Σ_c x[s][c] = 1; per cluster Σ memory·x ≤ memory (if reported), Σ gpus·x ≤ gpus (if reported);
 *   peak ∈ {0..100} with 100·Σ cpu·x / cpu_c ≤ peak: balance and, through peak ≤ 100, the CPU capacity;
 *   minimise the weighted moves, moved replicas and peak (objective.ts).
 */

export interface PlacementMilp {
  readonly model: LinearModel;
  /** Name of x[s][c], or undefined when c cannot host s. */
  readonly variable: (service: number, cluster: number) => string | undefined;
}

export interface PlacementMilpOptions {
  /** Drop one resource's constraints and the objective: a feasibility probe for diagnosis. */
  readonly relax?: Resource;
}

const GIB = 2 ** 30; // memory rows in GiB keep coefficients near 1
const PEAK = 'peak';

export function buildPlacementMilp(
  problem: PlacementProblem,
  current: Placement | undefined,
  options: PlacementMilpOptions = {},
): PlacementMilp {
  const names = problem.services.map((service, s) =>
    problem.clusters.map((cluster, c) =>
      shortfalls(service, cluster).every((resource) => resource === options.relax) ? `x_${s}_${c}` : undefined,
    ),
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
    if (options.relax !== undefined && options.relax !== 'cpu' && cpu.length > 0) {
      constraints.push({ name: `cpu_${c}`, terms: cpu, sense: '<=', rhs: cluster.cpu });
    }
    const memory = column(c, (s) => (problem.services[s]?.memoryBytes ?? 0) / GIB);
    if (options.relax !== 'memory' && cluster.memoryBytes !== undefined && memory.length > 0) {
      constraints.push({ name: `memory_${c}`, terms: memory, sense: '<=', rhs: cluster.memoryBytes / GIB });
    }
    const gpus = column(c, (s) => problem.services[s]?.gpus ?? 0);
    if (options.relax !== 'gpu' && cluster.gpus !== undefined && gpus.length > 0) {
      constraints.push({ name: `gpu_${c}`, terms: gpus, sense: '<=', rhs: cluster.gpus });
    }
  });

  if (options.relax !== undefined) {
    return { model: { name: `placement-without-${options.relax}`, sense: 'minimize', objective: [], variables, constraints }, variable };
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

function term(variable: string | undefined, coefficient: number): LinearTerm[] {
  return variable === undefined || coefficient === 0 ? [] : [{ variable, coefficient }];
}
