/**
 * The solver port: a solver-neutral LP/MILP description and the result every adapter returns.
 * Adapters (solvers/glpk.ts, solvers/highs.ts) translate it to their native format.
 */

export type SolverName = 'glpk' | 'highs';
export const SOLVER_NAMES: readonly SolverName[] = ['glpk', 'highs'];

export interface ModelVariable {
  readonly name: string;
  /** May be -Infinity. */
  readonly lower: number;
  /** May be Infinity. */
  readonly upper: number;
  readonly integer: boolean;
}

export interface LinearTerm {
  readonly variable: string;
  readonly coefficient: number;
}

export interface LinearConstraint {
  readonly name: string;
  readonly terms: readonly LinearTerm[];
  readonly sense: '<=' | '>=' | '=';
  readonly rhs: number;
}

export interface LinearModel {
  readonly name: string;
  readonly sense: 'minimize' | 'maximize';
  readonly objective: readonly LinearTerm[];
  /** Added to the solver's objective value; lets builders keep constants out of the solver. */
  readonly objectiveOffset?: number;
  readonly variables: readonly ModelVariable[];
  readonly constraints: readonly LinearConstraint[];
}

export interface SolveOptions {
  /** Wall-clock limit handed to the solver; every solve has one. */
  readonly timeLimitMs: number;
  /**
   * A known feasible solution (MIP start), by variable name; missing variables count as 0. Adapters that
   * cannot take one (GLPK) ignore it: it changes speed, never the optimum.
   */
  readonly start?: ReadonlyMap<string, number>;
}

export type SolveStatus = 'optimal' | 'infeasible' | 'time_limit' | 'error';

export interface SolveResult {
  readonly solver: SolverName;
  readonly status: SolveStatus;
  /** True only when the solver proved optimality (zero relative MIP gap). */
  readonly provenOptimal: boolean;
  /** Variable values by the model's names; empty when no feasible solution is known. */
  readonly values: ReadonlyMap<string, number>;
  /** Objective of the returned solution, offset included; undefined without a solution. */
  readonly objective: number | undefined;
  /** Best proven bound, where the solver reports one (HiGHS). */
  readonly bestBound?: number;
  readonly solveMs: number;
  readonly message?: string;
}

export interface Solver {
  readonly name: SolverName;
  solve(model: LinearModel, options: SolveOptions): Promise<SolveResult>;
}

export function binaryVariable(name: string): ModelVariable {
  return { name, lower: 0, upper: 1, integer: true };
}

export function hasSolution(result: SolveResult): boolean {
  return result.values.size > 0;
}
