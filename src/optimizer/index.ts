/** Public API of the optimiser: placement (naive, MILP, static), service imports, scaling, solvers. */
export * from './model';
export { NAIVE_ERRORS, naivePlacement } from './naive-placement';
export { DEFAULT_CAPACITY_GAP_BUDGET_MS, DEFAULT_PLACEMENT_TIME_LIMIT_MS, DEFAULT_TIE_BREAK_BUDGET_MS, milpPlacement } from './milp-placement';
export type { MilpPlacementFound, MilpPlacementOptions, MilpPlacementResult } from './milp-placement';
export * from './static-placement';
export * from './initial-placement';
export * from './service-imports';
export { DEFAULT_SCALING_TIME_LIMIT_MS, SCALING_WEIGHTS, decideReplicas, minimumReplicas } from './scaling';
export type { ScalingBindingResource, ScalingCluster, ScalingOptions, ScalingResult, ScalingService } from './scaling';
export * from './plan';
export * from './intents';
export { countMoves, intentPlacement, intentsExplanation, meanFigureOf } from './intent-placement';
export type { IntentPlacementFound, IntentPlacementOptions, IntentPlacementResult, IntentReport } from './intent-placement';
export { describeCapacityGap, formatBytes } from './capacity-gap';
export { describeRequirement } from './latency';
export { checkPlacement, checkScaling } from './checker';
export { checkIntentPlacement } from './intent-checker';
export type { CheckIntentOptions, IntentViolation } from './intent-checker';
export { warmUpOptimizer } from './warm-up';
export type { CheckPlacementOptions, Violation } from './checker';
export { SOLVER_NAMES } from './solver';
export type {
  LinearConstraint,
  LinearModel,
  LinearTerm,
  ModelVariable,
  SolveOptions,
  SolveResult,
  SolveStatus,
  Solver,
  SolverName,
} from './solver';
export { DEFAULT_SOLVER, SOLVER_ENV, getIsolatedSolver, getSolver, parseSolverName, solverFromEnvironment } from './solver-selection';
