import { checkPlacement } from './checker';
import { ClusterCapacity, ServiceDemand } from './model';
import { NAIVE_ERRORS, naivePlacement } from './naive-placement';

const GIB = 2 ** 30;
const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({
  name,
  cpu,
  available: true,
  ...extra,
});
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({
  id,
  cpu,
  gpu: false,
  replicas: 1,
  ...extra,
});

describe('naive placement: upstream error texts', () => {
  it('keeps the three upstream messages verbatim', () => {
    expect(NAIVE_ERRORS.singleServiceTooBig).toBe(
      'A single service cannot fit into any cluster. Increase cluster capacity or reduce service requirements.',
    );
    expect(NAIVE_ERRORS.insufficientTotal).toBe('Insufficient total capacity to fit all services across the clusters.');
    expect(NAIVE_ERRORS.notPlaced(1, 0.5)).toBe('Service 1 with requirement 0.5 could not be placed in any cluster.');
  });

  it('rejects a service larger than the largest cluster', () => {
    const result = naivePlacement([cluster('a', 2), cluster('b', 3)], [service('big', 4)]);
    expect(result).toEqual({
      feasible: false,
      kind: 'infeasible',
      reason: NAIVE_ERRORS.singleServiceTooBig,
      serviceId: 'big',
      bindingResource: 'cpu',
    });
  });

  it('counts replicas in the requirement', () => {
    const result = naivePlacement([cluster('a', 4)], [service('web', 1.5, { replicas: 3 })]);
    expect(result).toMatchObject({ feasible: false, reason: NAIVE_ERRORS.singleServiceTooBig });
  });

  it('rejects when the total exceeds the total capacity', () => {
    const result = naivePlacement([cluster('a', 3), cluster('b', 3)], [service('x', 3), service('y', 3), service('z', 1)]);
    expect(result).toEqual({ feasible: false, kind: 'infeasible', reason: NAIVE_ERRORS.insufficientTotal, bindingResource: 'cpu' });
  });

  it('reports "could not be placed" with the service index and requirement when first-fit fails', () => {
    // Totals fit (6 ≤ 6) but 2 + 2 + 2 cannot be packed into 3 + 3.
    const result = naivePlacement([cluster('a', 3), cluster('b', 3)], [service('x', 2), service('y', 2), service('z', 2)]);
    expect(result).toMatchObject({ feasible: false, reason: NAIVE_ERRORS.notPlaced(2, 2), serviceId: 'z', bindingResource: 'cpu' });
  });

  it('reports a GPU service without an accelerated cluster as "could not be placed", binding gpu', () => {
    const result = naivePlacement([cluster('a', 8, { gpu: 0 }), cluster('b', 8)], [service('infer', 1, { gpu: true })]);
    expect(result).toMatchObject({ feasible: false, reason: NAIVE_ERRORS.notPlaced(0, 1), bindingResource: 'gpu' });
  });

  it('says so when no cluster is available', () => {
    const result = naivePlacement([cluster('a', 8, { available: false })], [service('x', 1)]);
    expect(result).toMatchObject({ feasible: false, reason: NAIVE_ERRORS.noCluster, bindingResource: 'clusters' });
  });
});

describe('naive placement: first-fit', () => {
  it('fits a service that only the largest cluster can hold (B8 not reproduced)', () => {
    const result = naivePlacement([cluster('small', 2), cluster('large', 8)], [service('x', 4)]);
    expect(result).toMatchObject({ feasible: true, placement: { x: 'large' } });
  });

  it('takes clusters in name order, whatever the input order', () => {
    const clusters = [cluster('zulu', 10), cluster('alpha', 10), cluster('mike', 10)];
    const result = naivePlacement(clusters, [service('x', 1), service('y', 9.5)]);
    expect(result).toMatchObject({ feasible: true, placement: { x: 'alpha', y: 'mike' } });
  });

  it('places services in descriptor order', () => {
    const result = naivePlacement([cluster('a', 3), cluster('b', 3)], [service('first', 2), service('second', 2)]);
    expect(result).toMatchObject({ feasible: true, placement: { first: 'a', second: 'b' } });
  });

  it('skips unavailable clusters', () => {
    const result = naivePlacement([cluster('a', 10, { available: false }), cluster('b', 10)], [service('x', 1)]);
    expect(result).toMatchObject({ feasible: true, placement: { x: 'b' } });
  });

  it('checks memory only where the cluster reports it', () => {
    const clusters = [cluster('a', 10, { memoryBytes: 1 * GIB }), cluster('b', 10, { memoryBytes: null })];
    const result = naivePlacement(clusters, [service('x', 1, { memoryBytes: 2 * GIB })]);
    expect(result).toMatchObject({ feasible: true, placement: { x: 'b' } });
  });

  it('counts one GPU per replica where the cluster reports GPUs', () => {
    const clusters = [cluster('a', 10, { gpu: 1 }), cluster('b', 10, { gpu: 4 })];
    const services = [service('one', 1, { gpu: true }), service('three', 1, { gpu: true, replicas: 3 })];
    const result = naivePlacement(clusters, services);
    expect(result).toMatchObject({ feasible: true, placement: { one: 'a', three: 'b' } });
    if (result.feasible) expect(checkPlacement(clusters, services, result.placement)).toEqual([]);
  });

  it('tolerates floating-point sums (0.1 + 0.2 fits 0.3)', () => {
    const result = naivePlacement([cluster('a', 0.3)], [service('x', 0.1), service('y', 0.2)]);
    expect(result.feasible).toBe(true);
  });

  it('reports moves against a current placement without using it', () => {
    const result = naivePlacement([cluster('a', 4), cluster('b', 4)], [service('x', 1)], { x: 'b' });
    expect(result).toMatchObject({ feasible: true, placement: { x: 'a' }, terms: { moves: 1, movedReplicas: 1 } });
  });
});
