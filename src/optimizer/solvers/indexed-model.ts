import { LinearModel, LinearTerm } from '../solver';

/**
 * A LinearModel checked and rewritten over column indices. Adapters name columns `x<i>` and rows
 * `c<i>`, so user-supplied names never reach a solver's parser (safe names by construction).
 */
export interface IndexedColumn {
  readonly lower: number;
  readonly upper: number;
  readonly integer: boolean;
  readonly cost: number;
}

export interface IndexedRow {
  /** [column index, coefficient] pairs, one per column, no zeros. */
  readonly entries: readonly (readonly [number, number])[];
  readonly sense: '<=' | '>=' | '=';
  readonly rhs: number;
}

export interface IndexedModel {
  readonly minimize: boolean;
  readonly offset: number;
  readonly columns: readonly IndexedColumn[];
  readonly rows: readonly IndexedRow[];
  /** Model variable name of column i (a padding column has none). */
  readonly names: readonly string[];
}

export const columnName = (index: number): string => `x${index}`;
export const rowName = (index: number): string => `c${index}`;

/** Validates the model and indexes it; throws on duplicate or unknown variables and non-finite data. */
export function indexModel(model: LinearModel): IndexedModel {
  const columnOf = new Map<string, number>();
  model.variables.forEach((variable, index) => {
    if (columnOf.has(variable.name)) throw new Error(`duplicate variable ${variable.name}`);
    if (Number.isNaN(variable.lower) || Number.isNaN(variable.upper) || variable.lower > variable.upper) {
      throw new Error(`invalid bounds for ${variable.name}`);
    }
    columnOf.set(variable.name, index);
  });
  const costs = new Array<number>(model.variables.length).fill(0);
  for (const [column, coefficient] of combine(model.objective, columnOf)) costs[column] = coefficient;
  const columns = model.variables.map((variable, index) => ({
    lower: variable.lower,
    upper: variable.upper,
    integer: variable.integer,
    cost: costs[index] ?? 0,
  }));
  // Solvers reject a model without columns: pad with one fixed at zero (it has no name, so no value is reported).
  if (columns.length === 0) columns.push({ lower: 0, upper: 0, integer: false, cost: 0 });
  const rows = model.constraints.map((constraint) => {
    if (!Number.isFinite(constraint.rhs)) throw new Error(`non-finite right-hand side in ${constraint.name}`);
    return { entries: combine(constraint.terms, columnOf), sense: constraint.sense, rhs: constraint.rhs };
  });
  const offset = model.objectiveOffset ?? 0;
  if (!Number.isFinite(offset)) throw new Error('non-finite objective offset');
  return { minimize: model.sense === 'minimize', offset, columns, rows, names: model.variables.map((v) => v.name) };
}

/** Sums repeated variables (solvers reject duplicate matrix entries) and drops zeros. */
function combine(terms: readonly LinearTerm[], columnOf: ReadonlyMap<string, number>): [number, number][] {
  const sums = new Map<number, number>();
  for (const term of terms) {
    const column = columnOf.get(term.variable);
    if (column === undefined) throw new Error(`unknown variable ${term.variable}`);
    if (!Number.isFinite(term.coefficient)) throw new Error(`non-finite coefficient for ${term.variable}`);
    sums.set(column, (sums.get(column) ?? 0) + term.coefficient);
  }
  return [...sums].filter(([, coefficient]) => coefficient !== 0).sort((a, b) => a[0] - b[0]);
}
