import { checkPlacement } from './checker';
import { milpPlacement } from './milp-placement';
import { ClusterCapacity, ClusterLatencyMs, InvalidOptimizerInput, LatencyQos, NetworkInputs, ServiceDemand } from './model';
import { naivePlacement } from './naive-placement';
import { buildPlacementProblem } from './problem';
import { SOLVER_NAMES } from './solver';
import { getSolver } from './solver-selection';

const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({ name, cpu, available: true, ...extra });
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({ id, cpu, gpu: false, replicas: 1, ...extra });
const needs = (connectionPoint: string, qos: LatencyQos) => ({ latencies: [{ connectionPoint, qos }] });

/**
 * edge (4 cores) hosts cam (2 × 1.5), far (8) hosts proc (4) and store (2 × 1), core (8) is empty.
 * RTT: edge–core 12 ms, core–far 15 ms, edge–far 30 ms. Moving cam or store moves 2 replicas, proc 1.
 * - best-effort: nothing moves;
 * - proc → cam low (≤ 20 ms): far–edge is 30 ms, so proc moves to core (12 ms): 1 move, 1 replica (edge has no
 *   room for proc; moving cam to core instead would move 2 replicas);
 * - ultralow (< 10 ms): only the same cluster qualifies; edge has no room for both, far only if store leaves
 *   (4 replicas moved), so cam and proc both move to core: 2 moves, 3 replicas.
 */
const clusters = [cluster('edge', 4), cluster('core', 8), cluster('far', 8)];
const rtt: ClusterLatencyMs = { edge: { core: 12, far: 30 }, far: { core: 15 } };
const current = { cam: 'edge', proc: 'far', store: 'far' };
const services = (qos: LatencyQos, declaredOn: 'proc' | 'cam' = 'proc'): ServiceDemand[] => [
  service('cam', 1.5, { replicas: 2, ...(declaredOn === 'cam' ? needs('proc', qos) : {}) }),
  service('proc', 4, declaredOn === 'proc' ? needs('cam', qos) : {}),
  service('store', 1, { replicas: 2 }),
];

describe.each(SOLVER_NAMES)('latency-aware MILP placement with %s', (solverName) => {
  const place = async (demands: readonly ServiceDemand[], network: NetworkInputs, on = clusters, now: Record<string, string> | undefined = current) =>
    milpPlacement(on, demands, now, { solver: await getSolver(solverName), tieBreakBudgetMs: 5_000, ...network });
  const expectChecked = (demands: readonly ServiceDemand[], network: NetworkInputs, result: Awaited<ReturnType<typeof place>>, on = clusters): void => {
    expect(result.feasible).toBe(true);
    if (result.feasible) expect(checkPlacement(on, demands, result.placement, network)).toEqual([]);
  };

  it('best-effort changes nothing', async () => {
    const result = await place(services('best-effort'), { clusterLatencyMs: rtt });
    expect(result).toMatchObject({ feasible: true, placement: current, terms: { moves: 0 } });
  });

  it('low moves the far service next to its connection point (1 move)', async () => {
    const demands = services('low');
    const result = await place(demands, { clusterLatencyMs: rtt });
    expect(result).toMatchObject({ feasible: true, provenOptimal: true, placement: { cam: 'edge', proc: 'core', store: 'far' }, terms: { moves: 1 } });
    expectChecked(demands, { clusterLatencyMs: rtt }, result);
  });

  it('ultralow needs the same cluster here, so both services move (2 moves)', async () => {
    const demands = services('ultralow');
    const result = await place(demands, { clusterLatencyMs: rtt });
    expect(result).toMatchObject({ feasible: true, placement: { cam: 'core', proc: 'core', store: 'far' }, terms: { moves: 2, movedReplicas: 3 } });
    expectChecked(demands, { clusterLatencyMs: rtt }, result);
  });

  it('is symmetric: declared on the other service, one direction of RTT given, same answers', async () => {
    const reversed: ClusterLatencyMs = { core: { edge: 12 }, far: { edge: 30, core: 15 } };
    expect(await place(services('low', 'cam'), { clusterLatencyMs: reversed })).toMatchObject({ placement: { proc: 'core', cam: 'edge' } });
    expect(await place(services('ultralow', 'cam'), { clusterLatencyMs: reversed })).toMatchObject({ placement: { proc: 'core', cam: 'core' } });
  });

  it('takes the larger of two different directions', async () => {
    // edge→core 12, core→edge 25: 25 counts, so proc cannot go to core; cam moves next to proc instead (core–far 15 ms).
    const asymmetric: ClusterLatencyMs = { ...rtt, core: { edge: 25 } };
    const result = await place(services('low'), { clusterLatencyMs: asymmetric });
    expect(result).toMatchObject({ placement: { cam: 'core', proc: 'far' }, terms: { moves: 1, movedReplicas: 2 } });
  });

  it('an unknown pair allows best-effort only', async () => {
    const noEdgeCore: ClusterLatencyMs = { edge: { far: 30 }, far: { core: 15 } };
    const result = await place(services('low'), { clusterLatencyMs: noEdgeCore });
    expect(result).toMatchObject({ placement: { cam: 'core', proc: 'far' }, terms: { moves: 1, movedReplicas: 2 } });
    // No latencies at all: only the same cluster qualifies, as for ultralow.
    expect(await place(services('low'), {})).toMatchObject({ placement: { cam: 'core', proc: 'core' }, terms: { moves: 2, movedReplicas: 3 } });
  });

  it('honours configured limits', async () => {
    const result = await place(services('low'), { clusterLatencyMs: rtt, latencyLimitsMs: { low: 10 } });
    expect(result).toMatchObject({ placement: { cam: 'core', proc: 'core' }, terms: { moves: 2 } });
    const relaxed = await place(services('ultralow'), { clusterLatencyMs: rtt, latencyLimitsMs: { ultralow: 13 } });
    expect(relaxed).toMatchObject({ placement: { cam: 'edge', proc: 'core' }, terms: { moves: 1 } });
  });

  it('ignores requirements naming no service of the problem, an empty name or the service itself', async () => {
    const demands = [service('cam', 3), service('proc', 4, { latencies: [{ connectionPoint: 'ghost', qos: 'ultralow' }, { connectionPoint: '', qos: 'low' }, { connectionPoint: 'proc', qos: 'ultralow' }] }), service('store', 2)];
    expect(await place(demands, { clusterLatencyMs: rtt })).toMatchObject({ feasible: true, terms: { moves: 0 } });
  });

  describe('infeasible latency requirements are named', () => {
    it('no pair of clusters able to host the two services is close enough (no solver needed)', async () => {
      const on = [cluster('gpu-site', 4, { gpu: 1 }), cluster('big-site', 16)];
      const demands = [service('infer', 1, { gpu: true, ...needs('db', 'low') }), service('db', 8)];
      const result = await place(demands, { clusterLatencyMs: { 'gpu-site': { 'big-site': 40 } } }, on, undefined);
      expect(result).toMatchObject({
        feasible: false,
        kind: 'infeasible',
        bindingResource: 'latency',
        serviceId: 'infer',
        requirement: { serviceId: 'infer', connectionPoint: 'db', qos: 'low' },
        solveMs: 0,
      });
      if (!result.feasible) {
        expect(result.reason).toBe(
          'Latency requirement infer → db (low, ≤ 20 ms) cannot be met: no cluster that can host infer is close enough to one that can host db (gpu-site–big-site 40 ms).',
        );
      }
    });

    it('the requirement conflicts with capacity (found by dropping the latency rows)', async () => {
      const on = [cluster('c1', 2), cluster('c2', 2)];
      const demands = [service('a', 2, needs('b', 'ultralow')), service('b', 2)];
      const result = await place(demands, { clusterLatencyMs: { c1: { c2: 12 } } }, on, undefined);
      expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'latency', requirement: { serviceId: 'a', connectionPoint: 'b', qos: 'ultralow' } });
      if (!result.feasible) expect(result.reason).toMatch(/^Latency requirement a → b \(ultralow, < 10 ms\) cannot be met within the clusters' capacity/);
    });

    it('two requirements that only conflict together are both named, an innocent one is not', async () => {
      // a fits c1 only, c (GPU) c3 only; b must be near both: c2 is near c1 only, c4 near c3 only.
      const on = [cluster('c1', 10), cluster('c2', 4), cluster('c3', 4, { gpu: 1 }), cluster('c4', 4)];
      const rtts: ClusterLatencyMs = { c1: { c2: 5, c4: 50 }, c2: { c3: 50 }, c3: { c4: 5 } };
      const demands = [service('a', 8), service('b', 1, { latencies: [{ connectionPoint: 'a', qos: 'ultralow' }, { connectionPoint: 'c', qos: 'ultralow' }] }), service('c', 1, { gpu: true }), service('d', 1, needs('a', 'low'))];
      const result = await place(demands, { clusterLatencyMs: rtts }, on, undefined);
      expect(result).toMatchObject({ feasible: false, bindingResource: 'latency', requirement: { serviceId: 'b', connectionPoint: 'a' } });
      if (!result.feasible) {
        expect(result.reason).toContain('Latency requirements b → a (ultralow, < 10 ms) and b → c (ultralow, < 10 ms) cannot be met together');
        expect(result.reason).not.toContain('d → a');
      }
    });

    it('capacity shortfalls without latency are still named by resource', async () => {
      const on = [cluster('c1', 3), cluster('c2', 3)];
      const demands = [service('x', 2, needs('y', 'low')), service('y', 2), service('z', 2)];
      const result = await place(demands, { clusterLatencyMs: { c1: { c2: 1 } } }, on, undefined);
      expect(result).toMatchObject({ feasible: false, bindingResource: 'cpu' });
    });
  });
});

describe('latency-aware naive placement', () => {
  it('places first fit among the clusters close enough to the services already placed', () => {
    const on = [cluster('c1', 4), cluster('c2', 4), cluster('c3', 4)];
    const network = { clusterLatencyMs: { c1: { c2: 15, c3: 5 } } };
    const demands = [service('a', 3), service('b', 3, needs('a', 'ultralow'))];
    expect(naivePlacement(on, demands, undefined, network)).toMatchObject({ feasible: true, placement: { a: 'c1', b: 'c3' } });
    const low = [service('a', 3), service('b', 3, needs('a', 'low'))];
    expect(naivePlacement(on, low, undefined, network)).toMatchObject({ feasible: true, placement: { a: 'c1', b: 'c2' } });
  });

  it('fails naming the requirement where the MILP finds a placement (first fit never revisits)', async () => {
    const on = [cluster('c1', 4), cluster('c2', 4)];
    const demands = [service('a', 1, needs('b', 'ultralow')), service('x', 2), service('b', 2)];
    const naive = naivePlacement(on, demands);
    expect(naive).toMatchObject({ feasible: false, bindingResource: 'latency', serviceId: 'b', requirement: { serviceId: 'a', connectionPoint: 'b' } });
    if (!naive.feasible) {
      expect(naive.reason).toBe('Service 2 (b) could not be placed: latency requirement a → b (ultralow, < 10 ms) rules out every cluster with room (c2).');
    }
    const milp = await milpPlacement(on, demands, undefined, { solver: await getSolver('highs'), tieBreakBudgetMs: 5_000 });
    // a and b together (3 cores), x on the other cluster: peak 75 % either way round (a tie).
    expect(milp).toMatchObject({ feasible: true, provenOptimal: true, terms: { moves: 0, peakCpuPercent: 75 } });
    if (milp.feasible) {
      expect(milp.placement.a).toBe(milp.placement.b);
      expect(milp.placement.x).not.toBe(milp.placement.a);
    }
  });

  it('reports an unmeetable requirement before first fit', () => {
    // a fits c2 only, the GPU service b c3 only, and c2–c3 is unknown.
    const on = [cluster('c1', 2), cluster('c2', 8), cluster('c3', 5, { gpu: 1 })];
    const demands = [service('a', 6), service('b', 1, { gpu: true, ...needs('a', 'low') })];
    const result = naivePlacement(on, demands, undefined, { clusterLatencyMs: { c1: { c2: 1, c3: 1 } } });
    expect(result).toMatchObject({ feasible: false, bindingResource: 'latency', serviceId: 'b', requirement: { serviceId: 'b', connectionPoint: 'a', qos: 'low' } });
    if (!result.feasible) expect(result.reason).toContain('(c3–c2 unknown)');
  });
});

describe('latency inputs', () => {
  it('keeps the strictest of duplicate requirements between the same two services', () => {
    const problem = buildPlacementProblem(
      [cluster('c1', 1)],
      [service('a', 1, needs('b', 'low')), service('b', 1, { latencies: [{ connectionPoint: 'a', qos: 'ultralow' }, { connectionPoint: 'a', qos: 'best-effort' }] })],
    );
    expect(problem.latency.map((requirement) => requirement.ref)).toEqual([{ serviceId: 'b', connectionPoint: 'a', qos: 'ultralow' }]);
  });

  it('refuses malformed latencies', () => {
    const build = (demands: ServiceDemand[], network: NetworkInputs = {}) => () => buildPlacementProblem([cluster('c1', 1), cluster('c2', 1)], demands, network);
    expect(build([service('a', 1, { latencies: [{ connectionPoint: 'a', qos: 'fast' as LatencyQos }] })])).toThrow(InvalidOptimizerInput);
    expect(build([service('a', 1)], { clusterLatencyMs: { c1: { c2: -1 } } })).toThrow('latency c1 → c2 must be a finite number');
    expect(build([service('a', 1)], { clusterLatencyMs: { c1: { c2: Number.NaN } } })).toThrow(InvalidOptimizerInput);
    expect(build([service('a', 1)], { latencyLimitsMs: { low: -5 } })).toThrow('latency limit low');
  });

  it('ignores latencies of clusters not in the problem and the diagonal', () => {
    const problem = buildPlacementProblem([cluster('c1', 1), cluster('c2', 1), cluster('off', 1, { available: false })], [], {
      clusterLatencyMs: { c1: { c1: 99, c2: 3, off: 1, elsewhere: 2 } },
    });
    expect(problem.latencyMs).toEqual([[0, 3], [3, 0]]);
  });
});
