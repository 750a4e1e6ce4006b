import type { LinearConstraint, LinearModel, LinearTerm, ModelVariable, SolveOptions, SolverName } from '../solver';

/** Variables, constraint terms or objective terms per message to the solver's worker. */
export const MODEL_PART_ITEMS = 20_000;

/** A model goes to the worker in parts (worker-solver.ts): its header, then its lists, then the word to solve. */
export type ModelPart =
  | { readonly kind: 'begin'; readonly solver: SolverName; readonly header: Omit<LinearModel, 'objective' | 'variables' | 'constraints'>; readonly options: SolveOptions }
  | { readonly kind: 'objective'; readonly items: readonly LinearTerm[] }
  | { readonly kind: 'variables'; readonly items: readonly ModelVariable[] }
  | { readonly kind: 'constraints'; readonly items: readonly LinearConstraint[] }
  | { readonly kind: 'solve' };
