import highsLoader, { Highs, ModelData } from 'highs';
import { LinearModel, SolveOptions, SolveResult, SolveStatus, Solver } from '../solver';
import { IndexedModel, indexModel } from './indexed-model';
import { failedResult, namedValues, objectiveOf } from './solution';

/**
 * HiGHS (npm `highs`, WebAssembly) adapter. The model goes in as arrays (`passModel`, CSR matrix): no text to
 * write and parse, and no per-variable argument lists, so 200,000-column models load as easily as small ones.
 */

// HiGHS model status codes (types.d.ts `constants.modelStatus`).
const STATUS: Readonly<Record<number, SolveStatus>> = {
  6: 'optimal', // empty model, handled without optimisation
  7: 'optimal',
  8: 'infeasible',
  9: 'infeasible', // "infeasible or unbounded": our models are bounded
  13: 'time_limit',
};
const PRIMAL_SOLUTION_FEASIBLE = 2;

let runtime: Promise<Highs> | undefined;

/** Loads the WebAssembly module once per process (about 40–80 ms); dropped after a failure so the next solve starts clean. */
function loadHighs(): Promise<Highs> {
  runtime ??= highsLoader();
  return runtime;
}

export async function createHighsSolver(): Promise<Solver> {
  await loadHighs();
  return {
    name: 'highs',
    solve: async (model, options) => {
      const highs = await loadHighs();
      const result = solveWithHighs(highs, model, options);
      if (result.status === 'error') runtime = undefined;
      return result;
    },
  };
}

function solveWithHighs(highs: Highs, model: LinearModel, options: SolveOptions): SolveResult {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  try {
    const indexed = indexModel(model);
    return highs.withModel(toModelData(highs, indexed), (native) => {
      native.options.set({
        output_flag: false,
        time_limit: options.timeLimitMs / 1000,
        mip_rel_gap: 0, // "optimal" must mean proven, not within the 1e-4 default gap
        random_seed: 0,
        // Measured on the placement models (bench/optimizer.bench.ts): presolve rarely reduces them, and the
        // feasibility-jump heuristic costs ~10–20 ms per solve even on 5 × 2 instances in WebAssembly.
        presolve: 'off',
        mip_heuristic_run_feasibility_jump: false,
      });
      if (options.start !== undefined && options.start.size > 0) {
        // With a MIP start (the greedy repair, or the previous phase's placement) the primal heuristics, symmetry
        // detection and a large solution pool only cost time at the root: measured (CPU, warm, same model and start)
        // 20x5+gpu 3.3–8 → 2.1–3 ms, tight 100x20 82 → 67 ms (bench/optimizer-versus-upstream.ts instances).
        native.options.set({ mip_heuristic_effort: 0, mip_detect_symmetry: false, mip_pool_soft_limit: 1 });
        const start = options.start;
        native.setSolution({ colValue: Float64Array.from(indexed.names, (name) => start.get(name) ?? 0) });
      }
      const modelStatus = native.run().modelStatus;
      const status = STATUS[modelStatus] ?? 'error';
      const feasible = Number(native.info.get('primal_solution_status')) === PRIMAL_SOLUTION_FEASIBLE;
      if (status === 'error' || status === 'infeasible' || !feasible) {
        return failedResult('highs', status, elapsed(), `HiGHS model status ${modelStatus}`);
      }
      const colValue = native.getSolution().colValue;
      const values = namedValues(indexed, (index) => colValue[index] ?? 0);
      const isMip = indexed.columns.some((column) => column.integer);
      const dualBound = isMip ? Number(native.info.get('mip_dual_bound')) : undefined;
      return {
        solver: 'highs' as const,
        status,
        provenOptimal: status === 'optimal',
        values,
        objective: objectiveOf(indexed, values),
        ...(dualBound !== undefined && Number.isFinite(dualBound) ? { bestBound: dualBound + indexed.offset } : {}),
        solveMs: elapsed(),
      };
    });
  } catch (error) {
    return failedResult('highs', 'error', elapsed(), error instanceof Error ? error.message : String(error));
  }
}

/** Columns and rows as typed arrays; infinite bounds become HiGHS's infinity. Built in loops, never by spreading. */
function toModelData(highs: Highs, model: IndexedModel): ModelData {
  const finite = (value: number): number => (value === Infinity ? highs.infinity : value === -Infinity ? -highs.infinity : value);
  const numCols = model.columns.length;
  const numRows = model.rows.length;
  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  const integrality = new Int32Array(numCols);
  model.columns.forEach((column, index) => {
    colCost[index] = column.cost;
    colLower[index] = finite(column.lower);
    colUpper[index] = finite(column.upper);
    integrality[index] = column.integer ? 1 : 0;
  });
  let nonzeros = 0;
  for (const row of model.rows) nonzeros += row.entries.length;
  const starts = new Int32Array(numRows + 1);
  const indices = new Int32Array(nonzeros);
  const values = new Float64Array(nonzeros);
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  let at = 0;
  model.rows.forEach((row, r) => {
    starts[r] = at;
    for (const [column, coefficient] of row.entries) {
      indices[at] = column;
      values[at] = coefficient;
      at += 1;
    }
    rowLower[r] = row.sense === '<=' ? -highs.infinity : row.rhs;
    rowUpper[r] = row.sense === '>=' ? highs.infinity : row.rhs;
  });
  starts[numRows] = at;
  return {
    numCols,
    numRows,
    sense: model.minimize ? highs.constants.objectiveSense.minimize : highs.constants.objectiveSense.maximize,
    offset: 0, // objectiveOf adds the offset, the same way for every adapter
    colCost,
    colLower,
    colUpper,
    rowLower,
    rowUpper,
    matrix: { format: 'csr', numRows, numCols, starts, indices, values },
    integrality,
  };
}
