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
    const result = await planPlacement({ ...request, currentPlacement: current }, { solver: await getSolver('highs') });
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
    const result = await planPlacement({ ...request, algorithm: 'milp' }, { solver: await getSolver('glpk') });
    expect(result).toMatchObject({ feasible: true, algorithm: 'milp', solver: 'glpk', moves: 0 });
    expect(result.explanation[2]).toBe('No current placement given: no moves counted.');
  });

  it('returns a typed infeasible result naming the binding resource', async () => {
    const tooMuch = { ...request, services: [...request.services, { id: 'gpu-2', cpu: 1, gpu: true, replicas: 2 }] };
    const result = await planPlacement({ ...tooMuch, algorithm: 'milp' });
    expect(result).toMatchObject({ feasible: false, algorithm: 'milp', kind: 'infeasible', bindingResource: 'gpu' });
    expect(result.explanation).toContain('Binding resource: gpu.');
  });

  it('throws InvalidOptimizerInput for malformed requests', async () => {
    const duplicate = { ...request, services: [...request.services, request.services[0]!] };
    await expect(planPlacement(duplicate)).rejects.toThrow(InvalidOptimizerInput);
  });
});
