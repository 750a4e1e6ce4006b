import { checkPlacement } from './checker';
import { milpPlacement } from './milp-placement';
import { ClusterCapacity, Placement, PlacementObjectiveTerms, ServiceDemand } from './model';
import { DEFAULT_ENUMERATION_LIMIT } from './placement-enumeration';
import { buildPlacementMilp } from './placement-milp-model';
import { presolvePlacement } from './placement-presolve';
import { buildPlacementProblem } from './problem';
import { SOLVER_NAMES } from './solver';
import { getSolver } from './solver-selection';
import { randomPlacementInstance } from './testing/random-instances';

/**
 * The phases against brute force: on small instances every assignment is enumerated, checked by the independent
 * checker and scored (moves, moved replicas, peak CPU %) here; the engine must reach the lexicographic minimum, and
 * the presolve bound must never exceed the true minimum moves cost.
 */

type Terms = PlacementObjectiveTerms;

function score(clusters: readonly ClusterCapacity[], services: readonly ServiceDemand[], current: Placement, placement: Placement): Terms {
  let moves = 0;
  let movedReplicas = 0;
  for (const service of services) {
    if (current[service.id] !== undefined && current[service.id] !== placement[service.id]) {
      moves += 1;
      movedReplicas += service.replicas;
    }
  }
  let peakCpuPercent = 0;
  for (const cluster of clusters) {
    if (!cluster.available || cluster.cpu <= 0) continue;
    const load = services.filter((service) => placement[service.id] === cluster.name).reduce((sum, service) => sum + service.cpu * service.replicas, 0);
    peakCpuPercent = Math.max(peakCpuPercent, Math.ceil((100 * load) / cluster.cpu - 1e-6));
  }
  return { moves, movedReplicas, peakCpuPercent };
}

const lexLess = (a: Terms, b: Terms): boolean =>
  a.moves !== b.moves ? a.moves < b.moves : a.movedReplicas !== b.movedReplicas ? a.movedReplicas < b.movedReplicas : a.peakCpuPercent < b.peakCpuPercent;

/** The lexicographic minimum over every assignment the checker accepts; undefined when none does. */
function bruteForce(clusters: readonly ClusterCapacity[], services: readonly ServiceDemand[], current: Placement): Terms | undefined {
  const names = clusters.filter((cluster) => cluster.available).map((cluster) => cluster.name);
  let best: Terms | undefined;
  const total = names.length ** services.length;
  for (let code = 0; code < total; code++) {
    const placement: Record<string, string> = {};
    let rest = code;
    for (const service of services) {
      placement[service.id] = names[rest % names.length] ?? '';
      rest = Math.floor(rest / names.length);
    }
    if (checkPlacement(clusters, services, placement).length > 0) continue;
    const terms = score(clusters, services, current, placement);
    if (best === undefined || lexLess(terms, best)) best = terms;
  }
  return best;
}

describe.each(SOLVER_NAMES)('lexicographic phases with %s reach the brute-force optimum', (solverName) => {
  // enumerationLimit 0: every phase the presolve leaves goes to the solver; the default: small ones are enumerated.
  it.each([
    ['the solver only', 0],
    ['enumeration of small phases', DEFAULT_ENUMERATION_LIMIT],
  ])('on 40 small random instances, loose and tight (%s)', async (_, enumerationLimit) => {
    const solver = await getSolver(solverName);
    let solved = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const instance = randomPlacementInstance(seed, { services: 6, clusters: 3, gpus: seed % 2 === 0, ...(seed % 3 === 0 ? { tightness: 0.95 } : {}) });
      const { clusters, services, current } = instance;
      const expected = bruteForce(clusters, services, current);
      const result = await milpPlacement(clusters, services, current, { solver, tieBreakBudgetMs: 5_000, capacityGap: false, enumerationLimit });
      if (expected === undefined) {
        expect(result).toMatchObject({ feasible: false, kind: 'infeasible' });
        continue;
      }
      solved += 1;
      expect(result.feasible).toBe(true);
      if (!result.feasible) continue;
      expect(checkPlacement(clusters, services, result.placement)).toEqual([]);
      expect(result).toMatchObject({ provenOptimal: true, provenMinimalMoves: true, terms: expected });

      const problem = buildPlacementProblem(clusters, services);
      const presolve = presolvePlacement(problem, current);
      const totalReplicas = services.reduce((sum, service) => sum + service.replicas, 0);
      expect(presolve.lowerBound).toBeLessThanOrEqual((totalReplicas + 1) * expected.moves + expected.movedReplicas);
    }
    expect(solved).toBeGreaterThan(25);
  }, 60_000);
});

describe('presolve fast paths', () => {
  it('keeps every service in place, with no solver call, when nothing is over capacity', async () => {
    const clusters: ClusterCapacity[] = [
      { name: 'a', cpu: 4, available: true },
      { name: 'b', cpu: 4, available: true },
    ];
    const services: ServiceDemand[] = [
      { id: 'x', cpu: 1, gpu: false, replicas: 2 },
      { id: 'y', cpu: 3, gpu: false, replicas: 1 },
    ];
    const current = { x: 'a', y: 'b' };
    const problem = buildPlacementProblem(clusters, services);
    expect(presolvePlacement(problem, current)).toMatchObject({ lowerBound: 0, start: [0, 1] });
    const calls: string[] = [];
    const solver = await getSolver('highs');
    const counting = { name: solver.name, solve: (...args: Parameters<typeof solver.solve>) => (calls.push(args[0].name), solver.solve(...args)) };
    const result = await milpPlacement(clusters, services, current, { solver: counting });
    expect(result).toMatchObject({ feasible: true, provenOptimal: true, placement: current, terms: { moves: 0, peakCpuPercent: 75 } });
    expect(calls).toEqual([]);
  });

  it('bounds the relief of an overloaded cluster by its cheapest set of leavers', () => {
    // a lost capacity: 5 cores on 4. Leaving: z alone (1 replica, 2 cores) is the cheapest relief; x has 3 replicas.
    const clusters: ClusterCapacity[] = [
      { name: 'a', cpu: 4, available: true },
      { name: 'b', cpu: 4, available: true },
    ];
    const services: ServiceDemand[] = [
      { id: 'x', cpu: 1, gpu: false, replicas: 3 },
      { id: 'z', cpu: 2, gpu: false, replicas: 1 },
    ];
    const problem = buildPlacementProblem(clusters, services);
    const presolve = presolvePlacement(problem, { x: 'a', z: 'a' });
    const totalReplicas = 4;
    expect(presolve.lowerBound).toBe(totalReplicas + 1 + 1);
    expect(presolve.start).toEqual([0, 1]);
  });
});

describe('greedy repair by ejection', () => {
  it('makes room for a service that fits nowhere by moving one other service, and the solver proves that optimal', async () => {
    // g (GPU) lost its cluster; the only accelerated cluster a is full with n, which fits on b: spread and pack
    // both fail, one ejection (n to b) places g.
    const clusters: ClusterCapacity[] = [
      { name: 'a', cpu: 2, gpu: 1, available: true },
      { name: 'b', cpu: 2, gpu: 0, available: true },
      { name: 'gone', cpu: 8, gpu: 1, available: false },
    ];
    const services: ServiceDemand[] = [
      { id: 'g', cpu: 2, gpu: true, replicas: 1 },
      { id: 'n', cpu: 2, gpu: false, replicas: 1 },
    ];
    const current = { g: 'gone', n: 'a' };
    const problem = buildPlacementProblem(clusters, services);
    const presolve = presolvePlacement(problem, current);
    expect(presolve.start).toEqual([0, 1]);
    expect(presolve.lowerBound).toBe(2 + 1 + 1); // g's forced move only: the bound does not see the chain
    const expected = { feasible: true, provenOptimal: true, placement: { g: 'a', n: 'b' }, terms: { moves: 2, movedReplicas: 2 } };
    const calls: string[] = [];
    const solver = await getSolver('highs');
    const counting = { name: solver.name, solve: (...args: Parameters<typeof solver.solve>) => (calls.push(args[0].name), solver.solve(...args)) };
    expect(await milpPlacement(clusters, services, current, { solver: counting, enumerationLimit: 0 })).toMatchObject(expected);
    expect(calls).toEqual(['placement-moves']);
    // Two free services with three candidate pairs: enumerated, no solver call, the same proven optimum.
    calls.length = 0;
    expect(await milpPlacement(clusters, services, current, { solver: counting })).toMatchObject(expected);
    expect(calls).toEqual([]);
  });
});

describe('1,000 services × 200 clusters', () => {
  const instance = randomPlacementInstance(2_026, { services: 1_000, clusters: 200, gpus: true, tightness: 0.8 });

  it('solves with proven minimal moves and a placement the checker accepts', async () => {
    const result = await milpPlacement(instance.clusters, instance.services, instance.current, { solver: await getSolver('highs') });
    expect(result.feasible).toBe(true);
    if (!result.feasible) return;
    expect(result.provenMinimalMoves).toBe(true);
    expect(checkPlacement(instance.clusters, instance.services, result.placement)).toEqual([]);
  }, 60_000);

  it('builds the full model (200,000 binaries) and hands it to HiGHS without a stack or size failure', async () => {
    const problem = buildPlacementProblem(instance.clusters, instance.services);
    const { model } = buildPlacementMilp(problem, instance.current);
    expect(model.variables.length).toBeGreaterThan(100_000);
    const result = await (await getSolver('highs')).solve(model, { timeLimitMs: 1_000 });
    expect(['optimal', 'time_limit']).toContain(result.status);
  }, 60_000);
});
