import { describeCapacityGap, formatBytes } from './capacity-gap';
import { milpPlacement } from './milp-placement';
import { CapacityGap, ClusterCapacity, NetworkInputs, ServiceDemand } from './model';
import { SOLVER_NAMES } from './solver';
import { getSolver } from './solver-selection';
import { verifyGap } from './testing/capacity-gap-check';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const cluster = (name: string, cpu: number, extra: Partial<ClusterCapacity> = {}): ClusterCapacity => ({ name, cpu, available: true, ...extra });
const service = (id: string, cpu: number, extra: Partial<ServiceDemand> = {}): ServiceDemand => ({ id, cpu, gpu: false, replicas: 1, ...extra });

describe.each(SOLVER_NAMES)('capacity gap with %s', (solverName) => {
  const place = async (clusters: readonly ClusterCapacity[], services: readonly ServiceDemand[], network: NetworkInputs = {}) =>
    milpPlacement(clusters, services, undefined, { solver: await getSolver(solverName), tieBreakBudgetMs: 5_000, capacityGapBudgetMs: 60_000, ...network });
  const gapOf = async (clusters: readonly ClusterCapacity[], services: readonly ServiceDemand[], network: NetworkInputs = {}): Promise<CapacityGap> => {
    const result = await place(clusters, services, network);
    expect(result).toMatchObject({ feasible: false, kind: 'infeasible' });
    const gap = result.feasible ? undefined : result.capacityGap;
    expect(gap).toBeDefined();
    expect(await verifyGap(clusters, services, gap ?? {}, solverName, network)).toEqual([]);
    return gap ?? {};
  };

  it('cpu: the cluster needing the least, and a new cluster for one service', async () => {
    // 6 cores of demand in 2-core services, 3 + 2.5 cores: a takes two services with 1 more core, b with 1.5.
    const clusters = [cluster('a', 3), cluster('b', 2.5)];
    const gap = await gapOf(clusters, [service('x', 2), service('y', 2), service('z', 2)]);
    expect(gap).toEqual({ addToCluster: [{ cluster: 'a', cpu: 1 }], newCluster: { cpu: 2 } });
  });

  it('cpu: packing, not totals, rounded up to whole millicores', async () => {
    // Totals fit (5.83 ≤ 6), but z joins x or y: 8/3 + 1/2 = 3.1667 cores on a 3-core cluster.
    const clusters = [cluster('a', 3), cluster('b', 3)];
    const gap = await gapOf(clusters, [service('x', 8 / 3), service('y', 8 / 3), service('z', 0.5)]);
    expect(gap).toEqual({ addToCluster: [{ cluster: expect.stringMatching(/^[ab]$/), cpu: 0.167 }], newCluster: { cpu: 0.5 } });
  });

  it('cpu and memory together: no single resource is enough', async () => {
    // Any cluster hosting two services is short of both cpu and memory; the best is x + z (or y + z).
    const clusters = [cluster('a', 4, { memoryBytes: 4 * GIB }), cluster('b', 4, { memoryBytes: 4 * GIB })];
    const services = [service('x', 3, { memoryBytes: 3 * GIB }), service('y', 3, { memoryBytes: 3 * GIB }), service('z', 2, { memoryBytes: 2 * GIB })];
    const gap = await gapOf(clusters, services);
    expect(gap.addToCluster).toHaveLength(1);
    expect(gap.addToCluster?.[0]).toMatchObject({ cpu: 1, memoryBytes: GIB });
    expect(gap.newCluster).toEqual({ cpu: 2, memoryBytes: 2 * GIB });
    expect(describeCapacityGap(gap, false)).toEqual([
      `Smallest addition to one existing cluster that makes a placement fit: 1 CPU core and 1 GiB of memory on ${gap.addToCluster?.[0]?.cluster} (no single resource is enough).`,
      'Or a new cluster with at least 2 CPU cores and 2 GiB of memory would make a placement fit.',
    ]);
  });

  it('memory alone, per cluster: the best cluster per resource', async () => {
    const clusters = [cluster('a', 8, { memoryBytes: 3 * GIB }), cluster('b', 8, { memoryBytes: 2.5 * GIB })];
    const services = [service('x', 1, { memoryBytes: 2 * GIB }), service('y', 1, { memoryBytes: 2 * GIB }), service('z', 1, { memoryBytes: 1.5 * GIB })];
    const gap = await gapOf(clusters, services);
    // a with x + z needs 0.5 GiB more; b with z and one 2 GiB service needs 1 GiB more.
    expect(gap).toEqual({ addToCluster: [{ cluster: 'a', memoryBytes: GIB / 2 }], newCluster: { cpu: 1, memoryBytes: 1.5 * GIB } });
  });

  it('gpu: more GPUs on the accelerated cluster or a first GPU elsewhere', async () => {
    const clusters = [cluster('a', 8, { gpu: 1 }), cluster('b', 8, { gpu: 0 })];
    const gap = await gapOf(clusters, [service('g1', 1, { gpu: true }), service('g2', 1, { gpu: true })]);
    expect(gap.addToCluster).toEqual([{ cluster: expect.stringMatching(/^[ab]$/), gpu: 1 }]);
    expect(gap.newCluster).toEqual({ cpu: 1, gpu: 1 });
    // A GPU service and no accelerated cluster at all (found without the solver) gets a gap too.
    await gapOf([cluster('plain', 8)], [service('infer', 1, { gpu: true, replicas: 2 })]);
  });

  it('one entry per resource that is enough on its own', async () => {
    // g needs a's GPU, x (3 cores) then fits nowhere: half a core more on b, or a GPU on b (g moves there, x to a).
    const clusters = [cluster('a', 3, { gpu: 1 }), cluster('b', 2.5, { gpu: 0 })];
    const gap = await gapOf(clusters, [service('g', 1, { gpu: true }), service('x', 3)]);
    expect(gap).toEqual({ addToCluster: [{ cluster: 'b', cpu: 0.5 }, { cluster: 'b', gpu: 1 }], newCluster: { cpu: 3 } });
  });

  it('no available cluster: only a new cluster, holding everything', async () => {
    const clusters = [cluster('gone', 8, { available: false })];
    const services = [service('x', 1, { memoryBytes: GIB }), service('y', 2, { replicas: 2 })];
    const result = await place(clusters, services);
    expect(result).toMatchObject({ feasible: false, bindingResource: 'clusters', capacityGap: { newCluster: { cpu: 5, memoryBytes: GIB } } });
    if (!result.feasible) expect(result.capacityGap?.addToCluster).toBeUndefined();
  });

  it('latency: capacity next to the connection point, or a new cluster for both services', async () => {
    const clusters = [cluster('c1', 2), cluster('c2', 2)];
    const services = [service('a', 2, { latencies: [{ connectionPoint: 'b', qos: 'ultralow' }] }), service('b', 2)];
    const network = { clusterLatencyMs: { c1: { c2: 12 } } };
    const gap = await gapOf(clusters, services, network);
    expect(gap.addToCluster).toEqual([{ cluster: expect.stringMatching(/^c[12]$/), cpu: 2 }]);
    expect(gap.newCluster).toEqual({ cpu: 4 }); // a alone there would be out of reach of b
    expect(describeCapacityGap(gap, true)[1]).toContain('its latency to the existing clusters is unknown');
  });

  it('by default only within the time the verdict took: none after a verdict without the solver; computed on request', async () => {
    const solver = await getSolver(solverName);
    const unrequested = await milpPlacement([cluster('a', 1)], [service('x', 2)], undefined, { solver });
    expect(unrequested).toMatchObject({ feasible: false, bindingResource: 'cpu' });
    if (!unrequested.feasible) expect(unrequested.capacityGap).toBeUndefined();
    const requested = await milpPlacement([cluster('a', 1)], [service('x', 2)], undefined, { solver, capacityGap: true });
    expect(requested).toMatchObject({ feasible: false, capacityGap: { addToCluster: [{ cluster: 'a', cpu: 1 }], newCluster: { cpu: 2 } } });
  });

  it('can be switched off', async () => {
    const result = await milpPlacement([cluster('a', 1)], [service('x', 2)], undefined, { solver: await getSolver(solverName), capacityGap: false });
    expect(result).toMatchObject({ feasible: false, bindingResource: 'cpu' });
    if (!result.feasible) expect(result.capacityGap).toBeUndefined();
  });
});

describe('capacity gap texts', () => {
  it('formats amounts', () => {
    expect(formatBytes(4 * GIB)).toBe('4 GiB');
    expect(formatBytes(1.5 * GIB)).toBe('1.5 GiB');
    expect(formatBytes(512 * MIB)).toBe('512 MiB');
    expect(formatBytes(GIB + 1)).toBe('1.01 GiB'); // rounded up, never below the exact figure
    expect(formatBytes(100)).toBe('100 bytes');
    expect(describeCapacityGap({ addToCluster: [{ cluster: 'a', cpu: 0.5 }, { cluster: 'b', gpu: 1 }], newCluster: { cpu: 1, gpu: 2 } }, false)).toEqual([
      'Smallest addition to one existing cluster that makes a placement fit: 0.5 CPU cores on a, or 1 GPU on b.',
      'Or a new cluster with at least 1 CPU core and 2 GPUs would make a placement fit.',
    ]);
    expect(describeCapacityGap({ newCluster: { cpu: 3, memoryBytes: GIB } }, false)).toEqual(['A new cluster with at least 3 CPU cores and 1 GiB of memory would make a placement fit.']);
  });
});
