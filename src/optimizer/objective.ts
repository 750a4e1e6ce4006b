import { Placement, PlacementObjectiveTerms } from './model';
import { PlacementProblem } from './problem';

/**
 * The placement objective, lexicographic through integer weights (README "Objective"):
 *   moveWeight·moves + replicaWeight·movedReplicas + peakCpuPercent.
 * peakCpuPercent ∈ [0, 100] and replicaWeight = 101, so one moved replica outweighs any balance gain;
 * moveWeight = 101·(Σ replicas + 1), so one move outweighs every other term. All coefficients are
 * integers, so the objective is integral and solvers prune with it.
 */
export interface PlacementWeights {
  readonly move: number;
  readonly replica: number;
  readonly percent: number;
}

export const PEAK_PERCENT_MAX = 100;

export function placementWeights(problem: PlacementProblem): PlacementWeights {
  const replica = PEAK_PERCENT_MAX + 1;
  const totalReplicas = problem.services.reduce((sum, service) => sum + service.replicas, 0);
  return { move: replica * (totalReplicas + 1), replica, percent: 1 };
}

/**
 * What moving each service costs in the moves phase: (Σ replicas + 1) + its replicas, so one move outweighs all
 * replica terms; 0 for a service without a current cluster. `replica · Σ cost` is the weighted moves part above.
 */
export function moveCosts(problem: PlacementProblem, current: Placement | undefined): number[] {
  const weights = placementWeights(problem);
  const moveUnit = weights.move / weights.replica;
  return problem.services.map((service) => (current?.[service.id] === undefined ? 0 : moveUnit + service.replicas));
}

/** Solver tolerance when rounding utilisation up to whole percent (a 50.0000001 % row is 50 %). */
export const PERCENT_TOLERANCE = 1e-6;

/** Peak CPU utilisation in whole percent, rounded up; clusters without CPU count as 0 %. */
export function peakCpuPercent(problem: PlacementProblem, assignment: readonly number[]): number {
  const load = problem.clusters.map(() => 0);
  assignment.forEach((cluster, service) => {
    load[cluster] = (load[cluster] ?? 0) + (problem.services[service]?.cpu ?? 0);
  });
  return problem.clusters.reduce((peak, cluster, index) => {
    if (cluster.cpu <= 0) return peak;
    const percent = Math.ceil((100 * (load[index] ?? 0)) / cluster.cpu - PERCENT_TOLERANCE);
    return Math.max(peak, percent);
  }, 0);
}

/** Terms and weighted objective of a full assignment (service index → cluster index). */
export function evaluateAssignment(
  problem: PlacementProblem,
  assignment: readonly number[],
  current: Placement | undefined,
): { terms: PlacementObjectiveTerms; objective: number } {
  let moves = 0;
  let movedReplicas = 0;
  problem.services.forEach((service, index) => {
    const before = current?.[service.id];
    const after = problem.clusters[assignment[index] ?? -1]?.name;
    if (before !== undefined && before !== after) {
      moves += 1;
      movedReplicas += service.replicas;
    }
  });
  const terms = { moves, movedReplicas, peakCpuPercent: peakCpuPercent(problem, assignment) };
  const weights = placementWeights(problem);
  const objective = weights.move * moves + weights.replica * movedReplicas + weights.percent * terms.peakCpuPercent;
  return { terms, objective };
}
