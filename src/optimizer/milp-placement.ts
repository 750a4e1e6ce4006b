import { diagnoseWithRelaxations, diagnoseWithoutSolver } from './infeasibility';
import { ClusterCapacity, Placement, PlacementFound, PlacementInfeasible, ServiceDemand } from './model';
import { evaluateAssignment } from './objective';
import { buildPlacementMilp } from './placement-milp-model';
import { buildPlacementProblem, toPlacement } from './problem';
import { SolveResult, Solver, SolverName, hasSolution } from './solver';
import { getSolver } from './solver-selection';

/** Re-placement with the MILP of placement-milp-model.ts: fewest moves first, then fewest moved replicas, then balance. */

export const DEFAULT_PLACEMENT_TIME_LIMIT_MS = 5_000;
/** Each relaxation probe after a proven infeasibility. */
const DIAGNOSIS_TIME_LIMIT_MS = 1_000;

export interface MilpPlacementOptions {
  /** Defaults to the default solver (solver-selection.ts). */
  readonly solver?: Solver;
  readonly timeLimitMs?: number;
}

export type MilpPlacementFound = PlacementFound & {
  /** The solver's own objective value (offset included), for cross-checking solvers. */
  readonly solverObjective: number | undefined;
};

export type MilpPlacementResult = (MilpPlacementFound | PlacementInfeasible) & {
  readonly solver: SolverName;
  /** Time in the solver (the main solve; diagnosis probes excluded). */
  readonly solveMs: number;
};

export async function milpPlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  current?: Placement,
  options: MilpPlacementOptions = {},
): Promise<MilpPlacementResult> {
  const solver = options.solver ?? (await getSolver());
  const problem = buildPlacementProblem(clusters, services);
  const early = diagnoseWithoutSolver(problem);
  if (early !== undefined) return { ...early, solver: solver.name, solveMs: 0 };

  const { model, variable } = buildPlacementMilp(problem, current);
  const result = await solver.solve(model, { timeLimitMs: options.timeLimitMs ?? DEFAULT_PLACEMENT_TIME_LIMIT_MS });
  const meta = { solver: solver.name, solveMs: result.solveMs };

  if (hasSolution(result)) {
    const assignment = problem.services.map((_, s) =>
      problem.clusters.findIndex((_cluster, c) => (result.values.get(variable(s, c) ?? '') ?? 0) > 0.5),
    );
    if (assignment.includes(-1)) {
      return { feasible: false, kind: 'solver_error', reason: `The ${solver.name} solution leaves a service unplaced.`, ...meta };
    }
    const { terms, objective } = evaluateAssignment(problem, assignment, current);
    const placement = toPlacement(problem, assignment);
    return { feasible: true, placement, terms, objective, provenOptimal: result.provenOptimal, solverObjective: result.objective, ...meta };
  }
  if (result.status === 'infeasible') {
    return { ...(await diagnoseWithRelaxations(problem, current, solver, DIAGNOSIS_TIME_LIMIT_MS)), ...meta };
  }
  return { ...unsolved(result), ...meta };
}

function unsolved(result: SolveResult): PlacementInfeasible {
  if (result.status === 'time_limit') {
    return { feasible: false, kind: 'time_limit', reason: `The ${result.solver} solver found no placement within its time limit.` };
  }
  return { feasible: false, kind: 'solver_error', reason: `The ${result.solver} solver failed: ${result.message ?? result.status}.` };
}
