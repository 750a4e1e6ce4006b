import highsLoader, { Highs } from 'highs';
import { LinearModel, SolveOptions, SolveResult, SolveStatus, Solver } from '../solver';
import { toCplexLp } from './cplex-lp';
import { columnName, indexModel } from './indexed-model';
import { failedResult, namedValues, objectiveOf } from './solution';

/** HiGHS (npm `highs`, WebAssembly) adapter: the model goes in as CPLEX LP text. */

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
    return highs.withModel({ format: 'lp', data: toCplexLp(indexed) }, (native) => {
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
      const modelStatus = native.run().modelStatus;
      const status = STATUS[modelStatus] ?? 'error';
      const feasible = Number(native.info.get('primal_solution_status')) === PRIMAL_SOLUTION_FEASIBLE;
      if (status === 'error' || status === 'infeasible' || !feasible) {
        return failedResult('highs', status, elapsed(), `HiGHS model status ${modelStatus}`);
      }
      // HiGHS numbers columns by first appearance in the LP text, so map back through the names.
      const colValue = native.getSolution().colValue;
      const byColumn = new Map<string, number>();
      colValue.forEach((value, index) => byColumn.set(native.getColName(index), value));
      const values = namedValues(indexed, (index) => byColumn.get(columnName(index)) ?? 0);
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
