import { coverRows, overcommitCovers } from './exact-capacity';
import { ClusterCapacity, ServiceDemand } from './model';
import { buildPlacementProblem } from './problem';

const GIB = 2 ** 30;
const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({ name, cpu, available: true, ...extra });
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({ id, cpu, gpu: false, replicas: 1, ...extra });

describe('exact capacities', () => {
  it('amounts on the grid but for float noise fit exactly', () => {
    // 0.1 + 0.2 cores are 0.30000000000000004; 300.05 cores are 300050000000.00006 nanocores.
    const clusters = [cluster('a', 0.3), cluster('b', 1000.1, { memoryBytes: 3 * GIB })];
    const services = [service('x', 0.1), service('y', 0.2), service('z', 300.05, { replicas: 2, memoryBytes: 1.5 * GIB }), service('w', 400)];
    expect(overcommitCovers(buildPlacementProblem(clusters, services), [0, 0, 1, 1])).toEqual([]);
  });

  it('one nanocore, one byte or one GPU over is over: the fewest largest services already over make the cover', () => {
    const clusters = [cluster('a', 0.3, { memoryBytes: GIB, gpu: 1 })];
    const services = [
      service('x', 0.1, { memoryBytes: GIB / 2 }),
      service('y', 0.200000001, { memoryBytes: 1 }),
      service('z', 0, { memoryBytes: GIB / 4, gpu: true, replicas: 2 }),
    ];
    expect(overcommitCovers(buildPlacementProblem(clusters, services), [0, 0, 0])).toEqual([
      { resource: 'cpu', services: [0, 1], amount: 300_000_001n },
      { resource: 'memory', services: [0, 1, 2], amount: BigInt(GIB + 1) },
      { resource: 'gpu', services: [2], amount: 2n },
    ]);
  });

  it('a cover binds every cluster with less of its resource, services fixed there counted as placed', () => {
    const clusters = [cluster('big', 10, { memoryBytes: 2 * GIB }), cluster('c1', 10, { memoryBytes: GIB }), cluster('c2', 10, { memoryBytes: GIB })];
    const problem = buildPlacementProblem(clusters, [service('a', 1, { memoryBytes: GIB / 2 + 40 }), service('b', 1, { memoryBytes: GIB / 2 + 40 })]);
    const covers = overcommitCovers(problem, [1, 1]);
    expect(covers).toEqual([{ resource: 'memory', services: [0, 1], amount: BigInt(GIB + 80) }]);
    const variable = (s: number, c: number): string => `x_${s}_${c}`;
    expect(coverRows(problem, covers, variable, new Map()).map(({ name, terms, rhs }) => ({ name, variables: terms.map((t) => t.variable), rhs }))).toEqual([
      { name: 'cover_0_1', variables: ['x_0_1', 'x_1_1'], rhs: 1 },
      { name: 'cover_0_2', variables: ['x_0_2', 'x_1_2'], rhs: 1 },
    ]);
    expect(coverRows(problem, covers, variable, new Map([[0, 2]])).map(({ name, terms, rhs }) => ({ name, variables: terms.map((t) => t.variable), rhs }))).toEqual([
      { name: 'cover_0_2', variables: ['x_1_2'], rhs: 0 },
    ]);
    expect(coverRows(problem, covers, variable, new Map(), ['memory'])).toEqual([]);
  });
});
