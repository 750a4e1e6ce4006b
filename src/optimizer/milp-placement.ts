import { capacityGap } from './capacity-gap';
import { CapacityCover, solveWithinCapacity } from './exact-capacity';
import { diagnoseWithRelaxations, diagnoseWithoutSolver } from './infeasibility';
import { ClusterCapacity, NetworkInputs, Placement, PlacementFound, PlacementInfeasible, ServiceDemand } from './model';
import { PEAK_PERCENT_MAX, evaluateAssignment, moveCosts, placementWeights } from './objective';
import { DEFAULT_ENUMERATION_LIMIT, enumeratePlacement } from './placement-enumeration';
import { PlacementObjective, buildPlacementMilp } from './placement-milp-model';
import { presolvePlacement } from './placement-presolve';
import { PlacementProblem, buildPlacementProblem, toPlacement } from './problem';
import { SolveResult, Solver, SolverName } from './solver';
import { getSolver } from './solver-selection';
import { failedResult } from './solvers/solution';

/**
 * Re-placement in lexicographic phases (README "Lexicographic phases"): the proven fewest moves (then fewest moved
 * replicas) first, with presolve and a greedy MIP start; then the lowest peak CPU among those placements, within a
 * time budget. The one engine behind /placement/plan, lifecycle re-placement and counterfactual replay.
 */

export const DEFAULT_PLACEMENT_TIME_LIMIT_MS = 5_000;
/** The balance phase gets at least this long, or a quarter of what the moves phase took if longer. */
export const DEFAULT_TIE_BREAK_BUDGET_MS = 50;
/** Each relaxation or capacity-gap probe after a proven infeasibility. */
const DIAGNOSIS_TIME_LIMIT_MS = 1_000;
/**
 * Floor of the capacity-gap budget when the gap is requested (`capacityGap: true`): no more than the verdict took, or
 * this. Tiny problems (TINY_PROBLEM_CELLS services × clusters at most) get as long as a placement may take: their
 * probes take milliseconds, so it costs nothing on an idle machine, and their gap does not depend on how busy it is
 * (a second was spent by the first probes on a machine running six times its cores, and no new cluster was proposed).
 */
export const DEFAULT_CAPACITY_GAP_BUDGET_MS = 100;
const TINY_PROBLEM_CELLS = 20;
/** Below this no probe finishes (building and loading the model alone takes about as long): no gap is attempted. */
const MIN_GAP_BUDGET_MS = 1;

export interface MilpPlacementOptions extends NetworkInputs {
  /** Defaults to the default solver (solver-selection.ts). */
  readonly solver?: Solver;
  /** Wall-clock limit of the whole optimisation (both phases). */
  readonly timeLimitMs?: number;
  /** Budget of the balance phase (default: max(50 ms, ¼ of the moves phase)); an unproven balance is reported as such. */
  readonly tieBreakBudgetMs?: number;
  /**
   * `capacityGap` on a proven infeasibility (up to five probes; an option whose probe does not finish within the budget
   * is left out). By default the probes get as long as the verdict took, so an infeasible result costs at most about
   * twice the solve that reached it; a verdict reached without the solver (a service that fits nowhere, demand above
   * supply) leaves no time, hence no gap. `true` requests the gap: max(100 ms — 1 s up to 20 cells —, the verdict's
   * time). `false`: none.
   */
  readonly capacityGap?: boolean;
  /** Budget of the capacity-gap probes together; setting it requests the gap (as `capacityGap: true`) with this budget. */
  readonly capacityGapBudgetMs?: number;
  /**
   * A phase whose free services have at most this many assignments is solved by enumeration instead of the solver
   * (placement-enumeration.ts); default DEFAULT_ENUMERATION_LIMIT, 0 to always call the solver (tests of the solver path).
   */
  readonly enumerationLimit?: number;
}

export type MilpPlacementFound = PlacementFound & {
  /** The fewest moves, then fewest moved replicas, are proven (the balance may not be: see provenOptimal). */
  readonly provenMinimalMoves: boolean;
  /** The objective from the phases' own values (solver objectives, or the presolve bound they met), for cross-checks. */
  readonly solverObjective: number | undefined;
};

export type MilpPlacementResult = (MilpPlacementFound | PlacementInfeasible) & {
  readonly solver: SolverName;
  /** Time in the solver (both phases; diagnosis probes excluded). */
  readonly solveMs: number;
};

interface PhaseOutcome {
  readonly assignment: number[];
  readonly proven: boolean;
  /** The phase's objective as its solver reported it. */
  readonly value: number;
}

export async function milpPlacement(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  current?: Placement,
  options: MilpPlacementOptions = {},
): Promise<MilpPlacementResult> {
  const solver = options.solver ?? (await getSolver());
  const problem = buildPlacementProblem(clusters, services, options);
  const early = diagnoseWithoutSolver(problem);
  const started = performance.now();
  if (early !== undefined) return { ...(await withGap(early, problem, solver, options, 0)), solver: solver.name, solveMs: 0 };

  const deadline = started + (options.timeLimitMs ?? DEFAULT_PLACEMENT_TIME_LIMIT_MS);
  const remaining = (): number => Math.max(1, deadline - performance.now());
  let solveMs = 0;
  // Placements the solver accepted within its tolerance but over a capacity, excluded from every later model.
  const covers: CapacityCover[] = [];
  const solve = async (fixed: ReadonlyMap<number, number>, objective: PlacementObjective, start: readonly number[] | undefined, timeLimitMs: number) => {
    const { result, assignment } = await solveWithinCapacity(problem, solver, covers, (known) => buildPlacementMilp(problem, current, { fixed, objective, covers: known }), {
      timeLimitMs,
      fixed,
      ...(start === undefined ? {} : { start: (variable: (s: number, c: number) => string | undefined) => startOf(problem, variable, start, objective) }),
    });
    solveMs += result.solveMs;
    if (assignment?.includes(-1) === true) {
      return { result: failedResult(solver.name, 'error', result.solveMs, `the ${solver.name} solution leaves a service unplaced`), assignment: undefined };
    }
    return { result, assignment };
  };
  const movesCost = (assignment: readonly number[]): number => {
    const { terms } = evaluateAssignment(problem, assignment, current);
    const weights = placementWeights(problem);
    return (weights.move / weights.replica) * terms.moves + terms.movedReplicas;
  };

  // Phase 1: fewest moves, then fewest moved replicas.
  const presolve = presolvePlacement(problem, current);
  const costs = moveCosts(problem, current);
  const atBound = (assignment: readonly number[]): boolean => movesCost(assignment) <= presolve.lowerBound;
  // A placement that costs at most `bound` spends at most bound − LB on moving services the presolve would fix, so
  // those whose move costs more stay fixed: with slack 0 all of them (the restricted model), with more slack fewer.
  const fixedWithin = (bound: number): Map<number, number> => {
    const kept = new Map<number, number>();
    for (const [s, c] of presolve.fixed) if ((costs[s] ?? 0) > bound - presolve.lowerBound) kept.set(s, c);
    return kept;
  };
  let moves: PhaseOutcome | undefined =
    presolve.start !== undefined && atBound(presolve.start)
      ? { assignment: [...presolve.start], proven: true, value: presolve.lowerBound }
      : undefined;
  let start = presolve.start;
  // The restricted model first, only with a greedy start that keeps the fixed services in place. Without a start,
  // chains of moves are likely needed (measured: the restricted model then rarely meets the bound); with a start that
  // moves a fixed service (an ejection), the start is no solution of it, and proving its optimum above the start's
  // cost was measured at seconds of wasted work (`tight 100x20`). The wider model comes first then.
  const startKeepsFixed = presolve.start !== undefined && [...presolve.fixed].every(([s, c]) => presolve.start?.[s] === c);
  if (moves === undefined && presolve.fixed.size > 0 && presolve.start !== undefined && startKeepsFixed) {
    const { result, assignment } = await solve(presolve.fixed, { kind: 'moves' }, start, remaining());
    // A failed solver (a worker out of its time or heap) fails the next one too: the repair is the answer, unproven.
    if (result.status === 'error') moves = { assignment: [...presolve.start], proven: false, value: movesCost(presolve.start) };
    else if (assignment !== undefined) {
      const value = result.objective ?? movesCost(assignment);
      // At the bound, or too close to it for any fixed service to move: the restricted optimum is the optimum.
      if (atBound(assignment) || (result.provenOptimal && fixedWithin(movesCost(assignment)).size === presolve.fixed.size)) {
        moves = { assignment, proven: true, value };
      }
    }
    if (assignment !== undefined && (start === undefined || movesCost(assignment) < movesCost(start))) start = assignment;
  }
  const enumerationLimit = options.enumerationLimit ?? DEFAULT_ENUMERATION_LIMIT;
  // Few free services left: both phases at once by enumeration (exact: the fixing loses no placement within the
  // bound, and the balance phase would fix at least as many). No placement found: the solver decides (diagnosis).
  let balanced: { assignment: number[]; peak: number } | undefined;
  if (moves === undefined) {
    const bound = start === undefined ? Infinity : movesCost(start);
    const enumerated = enumeratePlacement(problem, current, fixedWithin(bound), bound, enumerationLimit);
    if (enumerated.kind === 'exact' && enumerated.assignment !== undefined) {
      moves = { assignment: enumerated.assignment, proven: true, value: enumerated.movesCost };
      balanced = { assignment: enumerated.assignment, peak: enumerated.peakCpuPercent };
    }
  }
  if (moves === undefined) {
    const { result, assignment } = await solve(fixedWithin(start === undefined ? Infinity : movesCost(start)), { kind: 'moves' }, start, remaining());
    if (result.status === 'error' && start === undefined) return { ...unsolved(result), solver: solver.name, solveMs };
    if (result.status === 'error' && start !== undefined) {
      moves = { assignment: [...start], proven: false, value: movesCost(start) }; // the best placement so far, unproven
    } else if (assignment !== undefined) {
      moves = { assignment, proven: result.provenOptimal, value: result.objective ?? movesCost(assignment) };
    } else if (result.status === 'infeasible') {
      const diagnosis = await diagnoseWithRelaxations(problem, current, solver, DIAGNOSIS_TIME_LIMIT_MS, covers);
      return { ...(await withGap(diagnosis, problem, solver, options, performance.now() - started)), solver: solver.name, solveMs };
    } else if (start !== undefined) {
      moves = { assignment: [...start], proven: false, value: movesCost(start) };
    } else {
      return { ...unsolved(result), solver: solver.name, solveMs };
    }
  }
  const movesMs = performance.now() - started;

  // Phase 2: lowest peak CPU among the placements with that moves cost, where the same fixing holds (at the presolve
  // bound only the services of overloaded clusters, forced and new ones can move).
  const cost = movesCost(moves.assignment);
  const fixed = fixedWithin(cost);
  const peakAtLeast = peakLowerBound(problem, fixed);
  let { assignment } = moves;
  let peakProven = balanced !== undefined || evaluateAssignment(problem, assignment, current).terms.peakCpuPercent <= peakAtLeast;
  let peakValue: number | undefined = balanced?.peak;
  if (!peakProven && moves.proven) {
    const enumerated = enumeratePlacement(problem, current, fixed, cost, enumerationLimit);
    if (enumerated.kind === 'exact' && enumerated.assignment !== undefined) {
      assignment = enumerated.assignment;
      peakProven = true;
      peakValue = enumerated.peakCpuPercent;
    }
  }
  if (!peakProven) {
    const budget = Math.min(remaining(), options.tieBreakBudgetMs ?? Math.max(DEFAULT_TIE_BREAK_BUDGET_MS, movesMs / 4));
    const balanced = await solve(fixed, { kind: 'peak', movesCostAtMost: cost, peakAtLeast }, assignment, budget);
    const peakOf = (candidate: readonly number[]): number => evaluateAssignment(problem, candidate, current).terms.peakCpuPercent;
    // A failed or worse balance (GLPK takes no MIP start) keeps the moves phase's placement, unproven.
    if (balanced.assignment !== undefined && movesCost(balanced.assignment) <= cost && peakOf(balanced.assignment) <= peakOf(assignment)) {
      assignment = balanced.assignment;
      peakProven = balanced.result.provenOptimal;
      peakValue = balanced.result.objective;
    }
  }

  const { terms, objective } = evaluateAssignment(problem, assignment, current);
  const weights = placementWeights(problem);
  return {
    feasible: true,
    placement: toPlacement(problem, assignment),
    terms,
    objective,
    provenOptimal: moves.proven && peakProven,
    provenMinimalMoves: moves.proven,
    solverObjective: weights.replica * moves.value + (peakValue ?? terms.peakCpuPercent),
    solver: solver.name,
    solveMs,
  };
}

/**
 * A lower bound on the peak CPU %: the fixed services' load on each cluster, and the mean utilisation (the most
 * utilised cluster is at least at the mean, weighted by capacity). Meeting it proves the balance without a solver.
 */
function peakLowerBound(problem: PlacementProblem, fixed: ReadonlyMap<number, number>): number {
  const tolerance = 1e-6; // as peakCpuPercent rounds
  const fixedCpu = problem.clusters.map(() => 0);
  for (const [s, c] of fixed) fixedCpu[c] = (fixedCpu[c] ?? 0) + (problem.services[s]?.cpu ?? 0);
  let bound = 0;
  let totalCapacity = 0;
  problem.clusters.forEach((cluster, c) => {
    if (cluster.cpu <= 0) return;
    totalCapacity += cluster.cpu;
    bound = Math.max(bound, Math.ceil((100 * (fixedCpu[c] ?? 0)) / cluster.cpu - tolerance));
  });
  let demand = 0;
  for (const service of problem.services) demand += service.cpu;
  if (totalCapacity > 0) bound = Math.max(bound, Math.ceil((100 * demand) / totalCapacity - tolerance));
  return Math.min(bound, PEAK_PERCENT_MAX);
}

/** Variable values of a full assignment for the model's free services (and its peak), as a MIP start. */
function startOf(
  problem: PlacementProblem,
  variable: (service: number, cluster: number) => string | undefined,
  assignment: readonly number[],
  objective: PlacementObjective,
): Map<string, number> | undefined {
  const values = new Map<string, number>();
  for (let s = 0; s < assignment.length; s++) {
    const name = variable(s, assignment[s] ?? -1);
    if (name !== undefined) values.set(name, 1);
  }
  if (objective.kind === 'peak') {
    const { terms } = evaluateAssignment(problem, assignment, undefined);
    values.set('peak', Math.max(terms.peakCpuPercent, objective.peakAtLeast));
  }
  return values.size > 0 ? values : undefined;
}

async function withGap(
  diagnosis: PlacementInfeasible,
  problem: PlacementProblem,
  solver: Solver,
  options: MilpPlacementOptions,
  verdictMs: number,
): Promise<PlacementInfeasible> {
  if (options.capacityGap === false || diagnosis.kind !== 'infeasible') return diagnosis;
  const tiny = problem.services.length * Math.max(1, problem.clusters.length) <= TINY_PROBLEM_CELLS;
  const requestedBudget = Math.max(tiny ? DEFAULT_PLACEMENT_TIME_LIMIT_MS : DEFAULT_CAPACITY_GAP_BUDGET_MS, verdictMs);
  const budget = options.capacityGapBudgetMs ?? (options.capacityGap === true ? requestedBudget : verdictMs);
  if (budget < MIN_GAP_BUDGET_MS) return diagnosis;
  const gap = await capacityGap(problem, solver, DIAGNOSIS_TIME_LIMIT_MS, budget);
  return gap === undefined ? diagnosis : { ...diagnosis, capacityGap: gap };
}

function unsolved(result: SolveResult): PlacementInfeasible {
  if (result.status === 'time_limit') {
    return { feasible: false, kind: 'time_limit', reason: `The ${result.solver} solver found no placement within its time limit.` };
  }
  return { feasible: false, kind: 'solver_error', reason: `The ${result.solver} solver failed: ${result.message ?? result.status}.` };
}
