/**
 * First solve of a fresh process against a warm one (run as its own process by optimizer-versus-upstream.ts):
 * `--warm-up` does what the service does at start-up (warmUpOptimizer) before timing. Prints one JSON line.
 * The instance (20 × 5 with GPUs, feasible) needs the solver in both phases: its greedy repair does not meet the bound.
 */
import { getSolver, milpPlacement, warmUpOptimizer } from '../src/optimizer';
import { randomPlacementInstance } from '../src/optimizer/testing/random-instances';

async function main(): Promise<void> {
  const solver = await getSolver();
  const warmUpMs = process.argv.includes('--warm-up') ? await warmUpOptimizer(solver) : 0;
  const instance = randomPlacementInstance(12, { services: 20, clusters: 5, gpus: true, tightness: 0.9 });
  const times: number[] = [];
  for (let run = 0; run < 4; run++) {
    const started = performance.now();
    // A balance budget long enough to prove it, so every run does the same work (the default budget is wall time).
    await milpPlacement(instance.clusters, instance.services, instance.current, { solver, tieBreakBudgetMs: 5_000 });
    times.push(performance.now() - started);
  }
  const [first = NaN, ...rest] = times;
  const warm = Math.min(...rest);
  process.stdout.write(`${JSON.stringify({ warmUpMs: round(warmUpMs), firstMs: round(first), warmMs: round(warm), ratio: round(first / warm) })}\n`);
}

const round = (value: number): number => Math.round(value * 100) / 100;
main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
