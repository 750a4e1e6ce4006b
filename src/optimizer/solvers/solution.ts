import { SolveResult, SolveStatus, SolverName } from '../solver';
import { IndexedModel } from './indexed-model';

/** Shared result assembly, so both adapters report values and objectives the same way. */

const INTEGRALITY_TOLERANCE = 1e-6;

/** Maps column values back to model names; integer columns are snapped to the nearest integer. */
export function namedValues(model: IndexedModel, columnValue: (index: number) => number): Map<string, number> {
  const values = new Map<string, number>();
  model.names.forEach((name, index) => {
    const raw = columnValue(index);
    const rounded = Math.round(raw);
    const snap = model.columns[index]?.integer === true && Math.abs(raw - rounded) <= INTEGRALITY_TOLERANCE;
    values.set(name, snap ? rounded + 0 : raw); // + 0 turns -0 into 0
  });
  return values;
}

/** Objective recomputed from the reported values (offset included), identical arithmetic for every solver. */
export function objectiveOf(model: IndexedModel, values: ReadonlyMap<string, number>): number {
  let total = model.offset;
  model.names.forEach((name, index) => {
    total += (model.columns[index]?.cost ?? 0) * (values.get(name) ?? 0);
  });
  return total;
}

export function failedResult(solver: SolverName, status: SolveStatus, solveMs: number, message: string): SolveResult {
  return { solver, status, provenOptimal: false, values: new Map(), objective: undefined, solveMs, message };
}
