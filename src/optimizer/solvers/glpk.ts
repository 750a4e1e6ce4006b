import type { GLPK, LP } from 'glpk.js/node';
import { LinearModel, SolveOptions, SolveResult, SolveStatus, Solver } from '../solver';
import { IndexedModel, IndexedRow, columnName, indexModel, rowName } from './indexed-model';
import { failedResult, namedValues, objectiveOf } from './solution';

/** GLPK (npm `glpk.js`, WebAssembly; the Node build is `glpk.js/node`) adapter, native JSON model. */

let runtime: Promise<GLPK> | undefined;

/** One WebAssembly instance per process; dropped after a crash so the next solve starts clean. */
function loadGlpk(): Promise<GLPK> {
  runtime ??= import('glpk.js/node').then((module) => module.default());
  return runtime;
}

export async function createGlpkSolver(): Promise<Solver> {
  await loadGlpk();
  return {
    name: 'glpk',
    solve: async (model, options) => {
      const glpk = await loadGlpk();
      const result = solveWithGlpk(glpk, model, options);
      if (result.status === 'error') runtime = undefined;
      return result;
    },
  };
}

function solveWithGlpk(glpk: GLPK, model: LinearModel, options: SolveOptions): SolveResult {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  try {
    const indexed = indexModel(model);
    const isMip = indexed.columns.some((column) => column.integer);
    const outcome = glpk.solve(toGlpkLp(glpk, indexed), {
      msglev: glpk.GLP_MSG_OFF,
      tmlim: options.timeLimitMs / 1000,
      mipgap: 0,
      presol: true,
    }).result;
    const status = statusOf(glpk, outcome.status, isMip, elapsed() >= options.timeLimitMs * 0.95);
    const feasible = outcome.status === glpk.GLP_OPT || outcome.status === glpk.GLP_FEAS;
    if (!feasible || status === 'infeasible' || status === 'error') {
      return failedResult('glpk', status, elapsed(), `GLPK status ${outcome.status}`);
    }
    const values = namedValues(indexed, (index) => outcome.vars[columnName(index)] ?? 0);
    return {
      solver: 'glpk',
      status,
      provenOptimal: status === 'optimal',
      values,
      objective: objectiveOf(indexed, values),
      solveMs: elapsed(),
    };
  } catch (error) {
    return failedResult('glpk', 'error', elapsed(), error instanceof Error ? error.message : String(error));
  }
}

/**
 * glpk.js drops glp_intopt's return code, so the status alone must tell: with mipgap 0 a MIP
 * stops at FEAS only on the time limit; UNDEF means no solution yet (time limit) or a failure.
 */
function statusOf(glpk: GLPK, code: number, isMip: boolean, nearTimeLimit: boolean): SolveStatus {
  if (code === glpk.GLP_OPT) return 'optimal';
  if (code === glpk.GLP_NOFEAS || (!isMip && code === glpk.GLP_INFEAS)) return 'infeasible';
  if (code === glpk.GLP_FEAS) return 'time_limit';
  if (code === glpk.GLP_UNDEF && nearTimeLimit) return 'time_limit';
  return 'error';
}

function toGlpkLp(glpk: GLPK, model: IndexedModel): LP {
  return {
    name: 'model',
    objective: {
      direction: model.minimize ? glpk.GLP_MIN : glpk.GLP_MAX,
      name: 'obj',
      vars: model.columns.map((column, index) => ({ name: columnName(index), coef: column.cost })),
    },
    subjectTo: model.rows.map((row, index) => ({
      name: rowName(index),
      vars: row.entries.map(([column, coef]) => ({ name: columnName(column), coef })),
      bnds: rowBounds(glpk, row),
    })),
    bounds: model.columns.map((column, index) => ({ name: columnName(index), ...columnBounds(glpk, column) })),
    generals: model.columns.flatMap((column, index) => (column.integer ? [columnName(index)] : [])),
  };
}

function rowBounds(glpk: GLPK, row: IndexedRow): { type: number; lb: number; ub: number } {
  if (row.sense === '<=') return { type: glpk.GLP_UP, lb: 0, ub: row.rhs };
  if (row.sense === '>=') return { type: glpk.GLP_LO, lb: row.rhs, ub: 0 };
  return { type: glpk.GLP_FX, lb: row.rhs, ub: row.rhs };
}

function columnBounds(glpk: GLPK, column: { lower: number; upper: number }): { type: number; lb: number; ub: number } {
  const hasLower = column.lower !== -Infinity;
  const hasUpper = column.upper !== Infinity;
  if (hasLower && hasUpper) {
    return { type: column.lower === column.upper ? glpk.GLP_FX : glpk.GLP_DB, lb: column.lower, ub: column.upper };
  }
  if (hasLower) return { type: glpk.GLP_LO, lb: column.lower, ub: 0 };
  if (hasUpper) return { type: glpk.GLP_UP, lb: 0, ub: column.upper };
  return { type: glpk.GLP_FR, lb: 0, ub: 0 };
}
