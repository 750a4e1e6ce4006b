import { checkPlacement } from './checker';
import { InvalidOptimizerInput } from './model';
import { PlanRequest, planPlacement } from './plan';
import { getSolver } from './solver-selection';

const GIB = 2 ** 30;
const request: PlanRequest = {
  clusters: [
    { name: 'edge', cpu: 4, memoryBytes: 8 * GIB, gpu: 0, available: true },
    { name: 'core', cpu: 8, memoryBytes: null, gpu: 2, available: true },
    { name: 'old', cpu: 16, memoryBytes: 64 * GIB, gpu: null, available: false },
  ],
  services: [
    { id: 'web', cpu: 1, memoryBytes: 2 * GIB, gpu: false, replicas: 2 },
    { id: 'infer', cpu: 2, memoryBytes: 4 * GIB, gpu: true, replicas: 1 },
    { id: 'db', cpu: 2, memoryBytes: 4 * GIB, gpu: false, replicas: 1 },
  ],
};

describe('planPlacement', () => {
  it('defaults to naive without a current placement', async () => {
    const result = await planPlacement(request);
    expect(result).toMatchObject({
      feasible: true,
      algorithm: 'naive',
      solver: 'none',
      placement: { web: 'core', infer: 'core', db: 'core' },
      moves: 0,
      provenOptimal: false,
    });
    if (!result.feasible) return;
    expect(checkPlacement(request.clusters, request.services, result.placement)).toEqual([]);
    expect(result.utilisation).toEqual({
      core: { cpu: 6 / 8, memory: null, gpu: 1 / 2 },
      edge: { cpu: 0, memory: 0, gpu: 0 },
    });
    expect(result.explanation[0]).toContain('Naive first-fit');
    expect(result.explanation[1]).toBe('Clusters considered, in name order: core, edge; unavailable, ignored: old.');
  });

  it('defaults to the MILP with a current placement and explains the moves', async () => {
    const current = { web: 'old', infer: 'core', db: 'edge' };
    const result = await planPlacement({ ...request, currentPlacement: current }, { solver: await getSolver('highs'), tieBreakBudgetMs: 5_000 });
    expect(result).toMatchObject({ feasible: true, algorithm: 'milp', solver: 'highs', moves: 1, provenOptimal: true });
    if (!result.feasible) return;
    expect(result.placement).toMatchObject({ infer: 'core', db: 'edge' });
    expect(result.explanation.join('\n')).toContain(`1 service(s) move: web old → ${result.placement.web}.`);
    expect(result.explanation.join('\n')).toMatch(/Objective = \d+·moves/);
    for (const usage of Object.values(result.utilisation)) {
      for (const fraction of [usage.cpu, usage.memory ?? 0, usage.gpu ?? 0]) {
        expect(fraction).toBeGreaterThanOrEqual(0);
        expect(fraction).toBeLessThanOrEqual(1);
      }
    }
  });

  it('honours an explicit algorithm', async () => {
    const result = await planPlacement({ ...request, algorithm: 'milp' }, { solver: await getSolver('glpk'), tieBreakBudgetMs: 5_000 });
    expect(result).toMatchObject({ feasible: true, algorithm: 'milp', solver: 'glpk', moves: 0 });
    expect(result.explanation[2]).toBe('No current placement given: no moves counted.');
  });

  it('returns a typed infeasible result naming the binding resource', async () => {
    const tooMuch = { ...request, services: [...request.services, { id: 'gpu-2', cpu: 1, gpu: true, replicas: 2 }] };
    const result = await planPlacement({ ...tooMuch, algorithm: 'milp' });
    expect(result).toMatchObject({ feasible: false, algorithm: 'milp', kind: 'infeasible', bindingResource: 'gpu' });
    expect(result.explanation).toContain('Binding resource: gpu.');
  });

  it('passes latencies through and explains how they are met', async () => {
    const edge: PlanRequest = {
      clusters: [
        { name: 'edge', cpu: 4, available: true },
        { name: 'core', cpu: 8, available: true },
      ],
      services: [
        { id: 'cam', cpu: 3, gpu: false, replicas: 1 },
        { id: 'proc', cpu: 2, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'cam', qos: 'low' }] },
      ],
      clusterLatencyMs: { edge: { core: 15 } },
      currentPlacement: { cam: 'edge', proc: 'core' },
    };
    const solver = await getSolver('highs');
    const kept = await planPlacement(edge, { solver, tieBreakBudgetMs: 5_000 });
    expect(kept).toMatchObject({ feasible: true, moves: 0 });
    expect(kept.explanation).toContain('Latency requirements met: proc → cam (low, ≤ 20 ms): core–edge 15 ms.');
    // Configured: low means ≤ 10 ms here, so the two must share a cluster: cam joins proc on core.
    const strict = await planPlacement(edge, { solver, latencyLimitsMs: { low: 10 } });
    expect(strict).toMatchObject({ feasible: true, moves: 1, placement: { cam: 'core', proc: 'core' } });
    expect(strict.explanation).toContain('Latency requirements met: proc → cam (low, ≤ 10 ms): both on core.');
    const naive = await planPlacement({ ...edge, currentPlacement: undefined, clusterLatencyMs: {} });
    expect(naive).toMatchObject({ feasible: true, algorithm: 'naive', placement: { cam: 'core', proc: 'core' } });
  });

  it('names the latency requirement and the capacity gap when nothing fits', async () => {
    const tight: PlanRequest = {
      clusters: [
        { name: 'c1', cpu: 2, available: true },
        { name: 'c2', cpu: 2, available: true },
      ],
      services: [
        { id: 'a', cpu: 2, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'b', qos: 'ultralow' }] },
        { id: 'b', cpu: 2, gpu: false, replicas: 1 },
      ],
      clusterLatencyMs: { c1: { c2: 12 } },
      algorithm: 'milp',
    };
    const result = await planPlacement(tight, { solver: await getSolver('highs'), tieBreakBudgetMs: 5_000, capacityGapBudgetMs: 60_000 });
    expect(result).toMatchObject({
      feasible: false,
      bindingResource: 'latency',
      serviceId: 'a',
      requirement: { serviceId: 'a', connectionPoint: 'b', qos: 'ultralow' },
      capacityGap: { addToCluster: [{ cpu: 2 }], newCluster: { cpu: 4 } },
    });
    const text = result.explanation.join('\n');
    expect(text).toContain('Binding resource: latency.');
    expect(text).toMatch(/Smallest addition to one existing cluster that makes a placement fit: 2 CPU cores on c[12]\./);
    expect(text).toContain('Or a new cluster with at least 4 CPU cores would make a placement fit (its latency to the existing clusters is unknown');
    // Naive first fit is no proof that nothing fits: no capacity gap.
    const naive = await planPlacement({ ...tight, algorithm: 'naive' });
    expect(naive).toMatchObject({ feasible: false, algorithm: 'naive', bindingResource: 'latency' });
    if (!naive.feasible) expect(naive.capacityGap).toBeUndefined();
  });

  it('throws InvalidOptimizerInput for malformed requests', async () => {
    const duplicate = { ...request, services: [...request.services, request.services[0]!] };
    await expect(planPlacement(duplicate)).rejects.toThrow(InvalidOptimizerInput);
    await expect(planPlacement({ ...request, clusterLatencyMs: { edge: { core: -1 } } })).rejects.toThrow(InvalidOptimizerInput);
  });
});
