import { capacityGap } from './capacity-gap';
import { diagnoseWithRelaxations, diagnoseWithoutSolver } from './infeasibility';
import { ClusterCapacity, NetworkInputs, Placement, PlacementFound, PlacementInfeasible, ServiceDemand } from './model';
import { evaluateAssignment } from './objective';
import { buildPlacementMilp } from './placement-milp-model';
import { PlacementProblem, buildPlacementProblem, toPlacement } from './problem';
import { SolveResult, Solver, SolverName, hasSolution } from './solver';
import { getSolver } from './solver-selection';

/** Re-placement with the MILP of placement-milp-model.ts: fewest moves first, then fewest moved replicas, then balance. */

export const DEFAULT_PLACEMENT_TIME_LIMIT_MS = 5_000;
/** Each relaxation or capacity-gap probe after a proven infeasibility. */
const DIAGNOSIS_TIME_LIMIT_MS = 1_000;

export interface MilpPlacementOptions extends NetworkInputs {
  /** Defaults to the default solver (solver-selection.ts). */
  readonly solver?: Solver;
  readonly timeLimitMs?: number;
  /** Compute `capacityGap` on a proven infeasibility (up to five more 1 s probes); default true. */
  readonly capacityGap?: boolean;
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
  const problem = buildPlacementProblem(clusters, services, options);
  const early = diagnoseWithoutSolver(problem);
  if (early !== undefined) return { ...(await withGap(early, problem, solver, options)), solver: solver.name, solveMs: 0 };

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
    const diagnosis = await diagnoseWithRelaxations(problem, current, solver, DIAGNOSIS_TIME_LIMIT_MS);
    return { ...(await withGap(diagnosis, problem, solver, options)), ...meta };
  }
  return { ...unsolved(result), ...meta };
}

async function withGap(
  diagnosis: PlacementInfeasible,
  problem: PlacementProblem,
  solver: Solver,
  options: MilpPlacementOptions,
): Promise<PlacementInfeasible> {
  if (options.capacityGap === false || diagnosis.kind !== 'infeasible') return diagnosis;
  const gap = await capacityGap(problem, solver, DIAGNOSIS_TIME_LIMIT_MS);
  return gap === undefined ? diagnosis : { ...diagnosis, capacityGap: gap };
}

function unsolved(result: SolveResult): PlacementInfeasible {
  if (result.status === 'time_limit') {
    return { feasible: false, kind: 'time_limit', reason: `The ${result.solver} solver found no placement within its time limit.` };
  }
  return { feasible: false, kind: 'solver_error', reason: `The ${result.solver} solver failed: ${result.message ?? result.status}.` };
}
