import { InvalidOptimizerInput } from './model';
import { SOLVER_NAMES, Solver, SolverName } from './solver';
import { createGlpkSolver } from './solvers/glpk';
import { createHighsSolver } from './solvers/highs';
import { WorkerSolver } from './solvers/worker-solver';
import { processResource } from '../shared/process-resources';

/**
 * Default solver, chosen by `npm run bench:optimizer` (README "Solver choice"): HiGHS. On 60 seeded
 * placement instances (5–200 services × 2–50 clusters) it proved all optimal, p95 466 ms; GLPK's median
 * was lower (10 ms vs 26 ms) but its p95 hit the 5 s limit (7 instances unproven). 100 × 20: HiGHS max 483 ms.
 */
export const DEFAULT_SOLVER: SolverName = 'highs';

/** Environment variable that selects the solver (`glpk` or `highs`). */
export const SOLVER_ENV = 'SMO_SOLVER';

const factories: Readonly<Record<SolverName, () => Promise<Solver>>> = {
  glpk: createGlpkSolver,
  highs: createHighsSolver,
};
const solvers = new Map<SolverName, Promise<Solver>>();

export function parseSolverName(name: string | undefined): SolverName {
  if (name === undefined || name.trim() === '') return DEFAULT_SOLVER;
  const normalised = name.trim().toLowerCase();
  const known = SOLVER_NAMES.find((candidate) => candidate === normalised);
  if (known === undefined) {
    throw new InvalidOptimizerInput(`unknown solver "${name}"; expected one of ${SOLVER_NAMES.join(', ')}`);
  }
  return known;
}

/** One adapter per name per process (each holds a loaded WebAssembly module). */
export function getSolver(name: SolverName = DEFAULT_SOLVER): Promise<Solver> {
  let solver = solvers.get(name);
  if (solver === undefined) {
    solver = factories[name]();
    solvers.set(name, solver);
    solver.catch(() => solvers.delete(name));
  }
  return solver;
}

const isolated = new Map<SolverName, WorkerSolver>();

/**
 * The solver SMO's runtime uses (placements, scaling, what-if, replay): one per name per process,
 * solving in a worker thread, so a solve never holds the event loop (see WorkerSolver). getSolver
 * solves in the calling thread, for benches and tests of the optimizer itself.
 */
export function getIsolatedSolver(name: SolverName = DEFAULT_SOLVER): Solver {
  let solver = isolated.get(name);
  if (solver === undefined) {
    solver = processResource(new WorkerSolver(name));
    isolated.set(name, solver);
  }
  return solver;
}

/** The solver named by SMO_SOLVER, else the default. */
export function solverFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<Solver> {
  return getSolver(parseSolverName(env[SOLVER_ENV]));
}
