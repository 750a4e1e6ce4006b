import { checkPlacement, checkScaling } from './checker';
import { ClusterCapacity, ServiceDemand } from './model';

const GIB = 2 ** 30;
const clusters: ClusterCapacity[] = [
  { name: 'a', cpu: 4, memoryBytes: 4 * GIB, gpu: 1, available: true },
  { name: 'b', cpu: 4, memoryBytes: null, gpu: null, available: true },
  { name: 'off', cpu: 4, available: false },
];
const services: ServiceDemand[] = [
  { id: 'x', cpu: 1, memoryBytes: GIB, gpu: false, replicas: 2 },
  { id: 'g', cpu: 1, gpu: true, replicas: 1 },
];
const kinds = (violations: ReturnType<typeof checkPlacement>): string[] => violations.map((v) => v.constraint).sort();

describe('independent checker', () => {
  it('accepts a valid placement', () => {
    expect(checkPlacement(clusters, services, { x: 'b', g: 'a' })).toEqual([]);
  });

  it('catches every kind of placement violation', () => {
    expect(kinds(checkPlacement(clusters, services, { x: 'a' }))).toEqual(['assignment']);
    expect(kinds(checkPlacement(clusters, services, { x: 'a', g: 'a', ghost: 'a' }))).toEqual(['unknown-service']);
    expect(kinds(checkPlacement(clusters, services, { x: 'nowhere', g: 'a' }))).toEqual(['unknown-cluster']);
    expect(kinds(checkPlacement(clusters, services, { x: 'off', g: 'a' }))).toEqual(['unavailable-cluster']);
    expect(kinds(checkPlacement(clusters, services, { x: 'a', g: 'b' }))).toEqual(['acceleration']);
    const heavy = [{ ...services[0]!, cpu: 3 }, services[1]!];
    expect(kinds(checkPlacement(clusters, heavy, { x: 'b', g: 'a' }))).toEqual(['cpu']);
    const fat = [{ ...services[0]!, memoryBytes: 3 * GIB }, services[1]!];
    expect(kinds(checkPlacement(clusters, fat, { x: 'a', g: 'a' }))).toEqual(['memory']);
    expect(checkPlacement(clusters, fat, { x: 'b', g: 'a' })).toEqual([]); // b does not report memory
    const twoGpus = [services[0]!, { ...services[1]!, replicas: 2 }];
    expect(kinds(checkPlacement(clusters, twoGpus, { x: 'b', g: 'a' }))).toEqual(['gpu']);
  });

  it('checks latency requirements in both directions, unknown pairs allowing best-effort only', () => {
    const near = { ...clusters[1]!, name: 'near' };
    const on = [clusters[0]!, near, { ...clusters[1]!, name: 'far' }];
    const demands: ServiceDemand[] = [
      { id: 'p', cpu: 1, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'q', qos: 'ultralow' }, { connectionPoint: 'ghost', qos: 'ultralow' }] },
      { id: 'q', cpu: 1, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'r', qos: 'low' }] },
      { id: 'r', cpu: 1, gpu: false, replicas: 1, latencies: [{ connectionPoint: 'p', qos: 'best-effort' }] },
    ];
    const network = { clusterLatencyMs: { a: { near: 9.5 }, far: { near: 20, a: 25 } } };
    expect(checkPlacement(on, demands, { p: 'a', q: 'near', r: 'far' }, network)).toEqual([]);
    expect(checkPlacement(on, demands, { p: 'a', q: 'a', r: 'near' }, network)).toEqual([]); // a–near 9.5 ≤ 20
    const violations = checkPlacement(on, demands, { p: 'far', q: 'a', r: 'a' }, network);
    expect(violations).toEqual([{ constraint: 'latency', subject: 'p → q', detail: 'ultralow needs < 10 ms; far–a is 25 ms' }]);
    expect(kinds(checkPlacement(on, demands, { p: 'a', q: 'near', r: 'far' }, { ...network, latencyLimitsMs: { ultralow: 9 } }))).toEqual(['latency']);
    expect(kinds(checkPlacement(on, demands, { p: 'a', q: 'near', r: 'far' }, {}))).toEqual(['latency', 'latency']); // nothing known
    const larger = { clusterLatencyMs: { ...network.clusterLatencyMs, near: { far: 21 } } }; // the larger direction counts
    expect(checkPlacement(on, demands, { p: 'a', q: 'near', r: 'far' }, larger)).toEqual([
      { constraint: 'latency', subject: 'q → r', detail: 'low needs ≤ 20 ms; near–far is 21 ms' },
    ]);
  });

  it('catches scaling violations', () => {
    const service = { id: 's', requestRate: 20, previousReplicas: 1, cpu: 1, gpu: true, alpha: 10, beta: 0, maxReplicas: 3 };
    expect(checkScaling([service], { cpu: 10, accelerated: true }, [2])).toEqual([]);
    expect(kinds(checkScaling([service], { cpu: 10, accelerated: true }, [4]))).toEqual(['replica-bounds']);
    expect(kinds(checkScaling([service], { cpu: 10, accelerated: true }, [1]))).toEqual(['throughput']);
    expect(kinds(checkScaling([service], { cpu: 1, accelerated: false }, [2]))).toEqual(['acceleration', 'cpu']);
  });
});
