/**
 * Optimizer benchmark: `npm run bench:optimizer` (compiled: node dist/bench/optimizer.bench.js [--quick]).
 * Prints one JSON document on stdout; progress goes to stderr.
 *  - placement: both solvers on seeded random instances (services 5–200 × clusters 2–50, with and
 *    without GPUs): median / p95 solve time, proven-optimal counts, optimality gap;
 *  - target: 100 services × 20 clusters, proven optimal in < 1 s with the default solver;
 *  - scaling: decision time for 20 services (target < 20 ms).
 * With `--versus-upstream`: SMO against upstream's CVXPY + HiGHS model instead (optimizer-versus-upstream.ts).
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_SOLVER, SOLVER_NAMES, Solver, SolverName, decideReplicas, getSolver, milpPlacement } from '../src/optimizer';
import { PlacementInstance, randomPlacementInstance, randomScalingInstance } from '../src/optimizer/testing/random-instances';
import { versusUpstream } from './optimizer-versus-upstream';

const quick = process.argv.includes('--quick');
const config = {
  quick,
  services: quick ? [5, 20, 100] : [5, 10, 20, 50, 100, 200],
  clusters: quick ? [2, 10, 20] : [2, 5, 10, 20, 50],
  gpus: [false, true],
  seedsPerCell: 1,
  targetSeeds: quick ? 4 : 10,
  scalingDecisions: quick ? 50 : 200,
  timeLimitMs: quick ? 2_000 : 5_000,
};

interface Run {
  readonly cell: string;
  readonly seed: number;
  readonly solver: SolverName;
  readonly solveMs: number;
  readonly totalMs: number;
  /** Process CPU time of the whole call: the solver is single-threaded, so this shows what machine load added to wall time. */
  readonly cpuMs: number;
  readonly outcome: 'optimal' | 'feasible' | 'infeasible' | 'time_limit' | 'solver_error';
  readonly objective?: number;
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const solvers = await Promise.all(SOLVER_NAMES.map((name) => getSolver(name)));
  for (const solver of solvers) await warmUp(solver);

  const runs: Run[] = [];
  let seed = 1;
  for (const services of config.services) {
    for (const clusters of config.clusters) {
      for (const gpus of config.gpus) {
        for (let repeat = 0; repeat < config.seedsPerCell; repeat++) {
          const instance = randomPlacementInstance(seed++, { services, clusters, gpus });
          const cell = `${services}x${clusters}${gpus ? '+gpu' : ''}`;
          for (const solver of solvers) runs.push(await placeOnce(solver, instance, cell));
          progress(`placement ${cell}`);
        }
      }
    }
  }

  const targetRuns: Run[] = [];
  for (let repeat = 0; repeat < config.targetSeeds; repeat++) {
    // Fixed tightness 0.75 so that every target instance is feasible (lost clusters still leave room).
    const instance = randomPlacementInstance(10_000 + repeat, { services: 100, clusters: 20, gpus: repeat % 2 === 1, tightness: 0.75 });
    for (const solver of solvers) targetRuns.push(await placeOnce(solver, instance, '100x20'));
  }
  progress('target 100x20');
  const defaultTargetRuns = targetRuns.filter((run) => run.solver === DEFAULT_SOLVER);

  const scaling: Record<string, unknown> = {};
  for (const solver of solvers) scaling[solver.name] = await scalingTimes(solver);
  progress('scaling');

  const report = {
    benchmark: 'optimizer',
    node: process.version,
    cpus: cpus().length,
    /** 1-minute load average before and after: timings on a busy machine are pessimistic. */
    loadAverage: { before: round(loadBefore), after: round(loadavg()[0] ?? 0) },
    durationS: round((performance.now() - benchStarted) / 1000),
    defaultSolver: DEFAULT_SOLVER,
    config,
    placement: {
      instances: runs.length / solvers.length,
      bySolver: Object.fromEntries(SOLVER_NAMES.map((name) => [name, summarise(runs.filter((run) => run.solver === name))])),
      optimalityGap: optimalityGaps(runs),
      slowest: [...runs].sort((a, b) => b.solveMs - a.solveMs).slice(0, 5),
    },
    target100x20: {
      goal: 'proven optimal in < 1000 ms with the default solver',
      bySolver: Object.fromEntries(SOLVER_NAMES.map((name) => [name, summarise(targetRuns.filter((run) => run.solver === name))])),
      metOnWallClock: defaultTargetRuns.every((run) => run.outcome === 'optimal' && run.totalMs < 1000),
      metOnCpuTime: defaultTargetRuns.every((run) => run.outcome === 'optimal' && run.cpuMs < 1000),
      runs: defaultTargetRuns,
    },
    scaling: { goal: '20 services decided in < 20 ms', services: 20, bySolver: scaling },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function placeOnce(solver: Solver, instance: PlacementInstance, cell: string): Promise<Run> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await milpPlacement(instance.clusters, instance.services, instance.current, { solver, timeLimitMs: config.timeLimitMs });
  const cpu = process.cpuUsage(cpuBefore);
  const totalMs = performance.now() - started;
  const cpuMs = round((cpu.user + cpu.system) / 1000);
  const base = { cell, seed: instance.seed, solver: solver.name, solveMs: round(result.solveMs), totalMs: round(totalMs), cpuMs };
  if (!result.feasible) return { ...base, outcome: result.kind };
  return { ...base, outcome: result.provenOptimal ? 'optimal' : 'feasible', objective: result.objective };
}

/** The first solve in a process pays WebAssembly JIT warm-up; the service does it once at start-up. */
async function warmUp(solver: Solver): Promise<void> {
  const instance = randomPlacementInstance(0, { services: 20, clusters: 5, gpus: true });
  await milpPlacement(instance.clusters, instance.services, instance.current, { solver, timeLimitMs: 2_000 });
  const scalingInstance = randomScalingInstance(0, 20);
  await decideReplicas(scalingInstance.services, scalingInstance.cluster, { solver });
}

async function scalingTimes(solver: Solver): Promise<Record<string, number>> {
  const times: number[] = [];
  let feasible = 0;
  for (let seed = 1; seed <= config.scalingDecisions; seed++) {
    const instance = randomScalingInstance(seed, 20);
    const started = performance.now();
    const result = await decideReplicas(instance.services, instance.cluster, { solver });
    times.push(performance.now() - started);
    if (result.feasible) feasible += 1;
  }
  return { decisions: times.length, feasible, medianMs: round(quantile(times, 0.5)), p95Ms: round(quantile(times, 0.95)), maxMs: round(Math.max(...times)) };
}

function summarise(runs: readonly Run[]): Record<string, number> {
  const times = runs.map((run) => run.solveMs);
  const cpuTimes = runs.map((run) => run.cpuMs);
  const count = (outcome: Run['outcome']): number => runs.filter((run) => run.outcome === outcome).length;
  return {
    runs: runs.length,
    medianMs: round(quantile(times, 0.5)),
    p95Ms: round(quantile(times, 0.95)),
    maxMs: round(Math.max(0, ...times)),
    medianCpuMs: round(quantile(cpuTimes, 0.5)),
    p95CpuMs: round(quantile(cpuTimes, 0.95)),
    provenOptimal: count('optimal'),
    feasibleNotProven: count('feasible'),
    infeasible: count('infeasible'),
    timeLimitWithoutPlacement: count('time_limit'),
    solverErrors: count('solver_error'),
  };
}

/**
 * Gap of each solver's objective to the best proven optimum of the same instance:
 * (objective − optimum) / max(1, |optimum|); runs without any placement are counted apart.
 */
function optimalityGaps(runs: readonly Run[]): Record<string, unknown> {
  const byInstance = new Map<string, Run[]>();
  for (const run of runs) byInstance.set(`${run.cell}#${run.seed}`, [...(byInstance.get(`${run.cell}#${run.seed}`) ?? []), run]);
  const gaps = Object.fromEntries(SOLVER_NAMES.map((name) => [name, [] as number[]]));
  const noPlacement: Record<string, number> = {};
  let disagreements = 0;
  let compared = 0;
  for (const group of byInstance.values()) {
    const optima = group.filter((run) => run.outcome === 'optimal').map((run) => run.objective ?? NaN);
    if (optima.length === 0) continue;
    const optimum = Math.min(...optima);
    if (optima.length === SOLVER_NAMES.length) {
      compared += 1;
      if (Math.max(...optima) - optimum > 1e-6) disagreements += 1;
    }
    for (const run of group) {
      if (run.objective === undefined) noPlacement[run.solver] = (noPlacement[run.solver] ?? 0) + 1;
      else gaps[run.solver]?.push((run.objective - optimum) / Math.max(1, Math.abs(optimum)));
    }
  }
  return {
    definition: '(objective − best proven optimum) / max(1, |optimum|) over instances with a proven optimum',
    bothProvenOptimal: compared,
    objectiveDisagreements: disagreements,
    bySolver: Object.fromEntries(
      Object.entries(gaps).map(([name, values]) => [
        name,
        {
          withPlacement: values.length,
          withoutPlacement: noPlacement[name] ?? 0,
          nonZero: values.filter((gap) => gap > 1e-9).length,
          max: round(Math.max(0, ...values) * 1e4) / 1e4,
          mean: round((values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)) * 1e4) / 1e4,
        },
      ]),
    ),
  };
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const progress = (message: string): void => void process.stderr.write(`${message}\n`);

const entry = process.argv.includes('--versus-upstream')
  ? async (): Promise<void> => void process.stdout.write(`${JSON.stringify(await versusUpstream(quick), null, 2)}\n`)
  : main;
entry().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
