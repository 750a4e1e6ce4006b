import { ClusterCapacity, ServiceDemand } from './model';
import { milpPlacement } from './milp-placement';
import { buildPlacementMilp } from './placement-milp-model';
import { buildPlacementProblem } from './problem';
import { decideReplicas } from './scaling';
import { Solver } from './solver';

/**
 * Runs every solver path once at start-up (the moves and balance models, a whole placement, a scaling decision),
 * so that the WebAssembly code is compiled before the first request: measured by
 * `npm run bench:optimizer -- --versus-upstream` (firstSolve), the first solve of a fresh process is then within 2×
 * of a warm one instead of ~10×. Returns the time it took.
 */
export async function warmUpOptimizer(solver: Solver): Promise<number> {
  const started = performance.now();
  const cluster = (name: string, cpu: number): ClusterCapacity => ({ name, cpu, memoryBytes: 8 * 2 ** 30, gpu: name === 'a' ? 4 : 0, available: true });
  const service = (id: string, cpu: number, gpu = false): ServiceDemand => ({ id, cpu, memoryBytes: 2 ** 30, gpu, replicas: 1 });
  const clusters = [cluster('a', 6), cluster('b', 4), cluster('c', 1)];
  const services = [service('w', 3, true), service('x', 3), service('y', 2), service('z', 2), service('v', 0.5)];
  const current = { w: 'b', x: 'a', v: 'c' };
  const problem = buildPlacementProblem(clusters, services);
  // The presolve may settle this placement without a solver, so solve its models directly as well.
  await solver.solve(buildPlacementMilp(problem, current).model, { timeLimitMs: 1_000 });
  await solver.solve(buildPlacementMilp(problem, current, { objective: { kind: 'peak', movesCostAtMost: 1e9, peakAtLeast: 0 } }).model, { timeLimitMs: 1_000 });
  await milpPlacement(clusters, services, current, { solver, tieBreakBudgetMs: 1_000 });
  // A mid-sized tight model too (30 services on 6 clusters, one of them lost), so branching and cuts run once.
  const sizes = [0.5, 1, 2, 4] as const;
  const many = Array.from({ length: 30 }, (_, i) => service(`s${i}`, sizes[i % sizes.length] ?? 1, i % 7 === 0));
  const six = Array.from({ length: 6 }, (_, c) => ({ ...cluster(c === 0 ? 'a' : `c${c}`, 12.5), gpu: c % 2 === 0 ? 8 : 0 }));
  const spread = Object.fromEntries(many.map((demand, i) => [demand.id, six[(i * 5) % 6]?.name ?? 'a']));
  const tight = buildPlacementProblem(six, many);
  await solver.solve(buildPlacementMilp(tight, spread).model, { timeLimitMs: 300 });
  await solver.solve(buildPlacementMilp(tight, spread, { objective: { kind: 'peak', movesCostAtMost: 1e9, peakAtLeast: 0 } }).model, { timeLimitMs: 300 });
  await decideReplicas(
    [{ id: 'w', requestRate: 40, previousReplicas: 1, cpu: 0.5, gpu: false, alpha: 10, beta: 0, maxReplicas: 8 }],
    { cpu: 4, accelerated: false },
    { solver },
  );
  return performance.now() - started;
}
