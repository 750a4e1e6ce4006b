import { checkScaling } from './checker';
import { InvalidOptimizerInput } from './model';
import { ScalingService, buildScalingModel, decideReplicas, minimumReplicas } from './scaling';
import { SOLVER_NAMES, Solver } from './solver';
import { getSolver } from './solver-selection';
import { randomScalingInstance } from './testing/random-instances';

const service = (id: string, extra: Partial<ScalingService> = {}): ScalingService => ({
  id,
  requestRate: 10,
  previousReplicas: 1,
  cpu: 1,
  gpu: false,
  alpha: 10,
  beta: 0,
  maxReplicas: 5,
  ...extra,
});
const roomy = { cpu: 100, accelerated: false };

describe.each(SOLVER_NAMES)('scaling with %s', (solverName) => {
  const decide = async (services: ScalingService[], cluster = roomy): ReturnType<typeof decideReplicas> =>
    decideReplicas(services, cluster, { solver: await getSolver(solverName) });

  it('never goes above maxReplicas (upstream lost this bound): a rate needing more gets the maximum, named saturated, as an HPA does', async () => {
    const result = await decide([service('hot', { requestRate: 80, alpha: 10, maxReplicas: 5 }), service('calm', { requestRate: 15, alpha: 10, maxReplicas: 5 })]);
    expect(result).toMatchObject({ feasible: true, replicas: [5, 2], saturated: ['hot'] });
    // Even from more replicas than its maximum (set by hand), and for a rate no count serves (alpha ≤ 0).
    expect(await decide([service('hot', { requestRate: 80, previousReplicas: 9, maxReplicas: 5 }), service('flat', { alpha: 0, beta: 1, requestRate: 5 })])).toMatchObject({
      feasible: true,
      replicas: [5, 5],
      saturated: ['hot', 'flat'],
    });
  });

  it('is infeasible on cpu when even the saturated services at their maximum do not fit', async () => {
    const result = await decide([service('hot', { requestRate: 80, alpha: 10, maxReplicas: 5 })], { cpu: 4, accelerated: false });
    expect(result).toMatchObject({ feasible: false, kind: 'infeasible', bindingResource: 'cpu' });
  });

  it('uses exactly maxReplicas when the rate needs all of them', async () => {
    const result = await decide([service('hot', { requestRate: 50, alpha: 10, maxReplicas: 5 })]);
    expect(result).toMatchObject({ feasible: true, replicas: [5], saturated: [] });
  });

  it('keeps at least one replica with no traffic', async () => {
    const result = await decide([service('idle', { requestRate: 0, previousReplicas: 1 })]);
    expect(result).toMatchObject({ feasible: true, replicas: [1] });
  });

  it('names cpu when the cluster cannot host the replicas the rates need', async () => {
    const result = await decide([service('a', { requestRate: 30 }), service('b', { requestRate: 30 })], { cpu: 5, accelerated: false });
    expect(result).toMatchObject({ feasible: false, bindingResource: 'cpu' });
  });

  it('names gpu for a GPU service on a cluster without acceleration', async () => {
    expect(await decide([service('g', { gpu: true })])).toMatchObject({ feasible: false, bindingResource: 'gpu', serviceId: 'g' });
    expect(await decide([service('g', { gpu: true })], { cpu: 100, accelerated: true })).toMatchObject({ feasible: true });
  });

  it('scales up to the fewest replicas the rate needs, no further', async () => {
    const result = await decide([service('s', { requestRate: 35, alpha: 10, previousReplicas: 1, maxReplicas: 10 })]);
    expect(result).toMatchObject({ feasible: true, replicas: [4] });
  });

  it('keeps the replicas it has when shrinking saves no more than it costs (upstream weights)', async () => {
    // Utilisation saving 0.4·cpu/U per replica never exceeds the transition cost 0.4/maxReplicas, since U ≥ cpu·maxReplicas.
    const result = await decide([service('s', { requestRate: 5, previousReplicas: 4, maxReplicas: 10, cpu: 1 }), service('big', { cpu: 4, maxReplicas: 10 })]);
    expect(result).toMatchObject({ feasible: true, replicas: [4, 1] });
  });

  it('returns replicas that satisfy every constraint on random instances', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { services, cluster } = randomScalingInstance(seed, 8);
      const result = await decide(services, cluster);
      expect(result.feasible).toBe(true);
      if (result.feasible) {
        expect(result.provenOptimal).toBe(true);
        expect(checkScaling(services, cluster, result.replicas)).toEqual([]);
      }
    }
  });
});

describe('scaling model and input checks', () => {
  it('bounds every replica variable by 1 and maxReplicas', () => {
    const model = buildScalingModel([service('a', { maxReplicas: 3 }), service('b', { maxReplicas: 7 })], roomy);
    expect(model.variables.filter((v) => v.name.startsWith('r_'))).toEqual([
      { name: 'r_0', lower: 1, upper: 3, integer: true },
      { name: 'r_1', lower: 1, upper: 7, integer: true },
    ]);
  });

  it('computes the fewest replicas a rate needs', () => {
    expect(minimumReplicas(service('s', { requestRate: 80, alpha: 25, beta: 5 }))).toBe(3);
    expect(minimumReplicas(service('s', { requestRate: 0 }))).toBe(1);
    expect(minimumReplicas(service('s', { requestRate: 10, alpha: 0, beta: 0 }))).toBe(Infinity);
  });

  it('rejects malformed input', async () => {
    await expect(decideReplicas([service('s', { maxReplicas: 0 })], roomy)).rejects.toThrow(InvalidOptimizerInput);
    await expect(decideReplicas([service('s', { requestRate: NaN })], roomy)).rejects.toThrow(InvalidOptimizerInput);
  });

  it('reports a time limit as such, not as infeasible', async () => {
    const slow: Solver = {
      name: 'glpk',
      solve: async () => ({ solver: 'glpk', status: 'time_limit', provenOptimal: false, values: new Map(), objective: undefined, solveMs: 3 }),
    };
    const result = await decideReplicas([service('s')], roomy, { solver: slow });
    expect(result).toMatchObject({ feasible: false, kind: 'time_limit', solver: 'glpk' });
  });
});
