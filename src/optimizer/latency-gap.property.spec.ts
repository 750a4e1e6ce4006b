import fc from 'fast-check';
import { checkPlacement } from './checker';
import { milpPlacement } from './milp-placement';
import { ClusterCapacity, ClusterLatencyMs, LatencyQos, ServiceDemand } from './model';
import { naivePlacement } from './naive-placement';
import { getSolver } from './solver-selection';
import { verifyGap } from './testing/capacity-gap-check';

/**
 * Two seeded properties on small instances where every service fits some cluster on its own, so latency and
 * packing (not a missing resource) decide:
 * 1. dense latency requirements: glpk and highs agree on feasibility, the optimum, the binding resource and the
 *    named requirement; the checker accepts every placement; latency-aware first fit is never better;
 * 2. capacity gaps: every suggestion, applied, makes the instance feasible, and a little less of any of its
 *    resources does not.
 */

const GIB = 2 ** 30;
const NAMES = ['c1', 'c2', 'c3', 'c4'];
const RTT_MS = [2, 9.9, 10, 15, 20, 30] as const;

const rttArbitrary: fc.Arbitrary<ClusterLatencyMs> = fc
  .array(fc.option(fc.constantFrom(...RTT_MS), { nil: undefined, freq: 2 }), { minLength: 16, maxLength: 16 })
  .map((values) => {
    const matrix: Record<string, Record<string, number>> = {};
    values.forEach((ms, index) => {
      const from = NAMES[Math.floor(index / 4)] ?? '';
      const to = NAMES[index % 4] ?? '';
      if (ms !== undefined && from !== to) (matrix[from] ??= {})[to] = ms;
    });
    return matrix;
  });

/** With `gpus: false` no service needs a GPU (so latency, cpu and memory decide). */
const instances = ({ gpus }: { gpus: boolean }) =>
  fc
    .record({
      clusters: fc.array(
        fc.record({
          cpu: fc.integer({ min: 4, max: 12 }).map((half) => half / 2),
          memoryBytes: fc.option(fc.integer({ min: 4, max: 12 }).map((half) => (half / 2) * GIB), { nil: null, freq: 2 }),
          gpu: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 2 }),
        }),
        { minLength: 2, maxLength: 4 },
      ),
      services: fc.array(
        fc.record({
          cpu: fc.constantFrom(0.5, 1, 1.5),
          memoryBytes: fc.option(fc.constantFrom(0.5, 1, 2).map((gib) => gib * GIB), { nil: null }),
          gpu: fc.integer({ min: 0, max: 7 }).map((roll) => gpus && roll === 0),
          replicas: fc.integer({ min: 1, max: 2 }),
          latencies: fc.array(fc.record({ target: fc.nat(6), qos: fc.constantFrom<LatencyQos>('ultralow', 'ultralow', 'low', 'best-effort') }), { maxLength: 3 }),
        }),
        { minLength: 3, maxLength: 7 },
      ),
      rtt: rttArbitrary,
    })
    .map(({ clusters, services, rtt }) => {
      const named: ClusterCapacity[] = clusters.map((cluster, c) => ({ ...cluster, name: NAMES[c] ?? `c${c}`, available: true }));
      const demands: ServiceDemand[] = services.map(({ latencies, ...service }, s) => ({
        ...service,
        id: `s${s}`,
        latencies: latencies.map(({ target, qos }) => ({ connectionPoint: `s${target}`, qos })),
      }));
      return { clusters: named, services: demands, network: { clusterLatencyMs: rtt } };
    });

describe('latency and capacity-gap properties', () => {
  it('glpk and highs agree on latency-constrained instances', async () => {
    const [glpk, highs] = await Promise.all([getSolver('glpk'), getSolver('highs')]);
    const seen = { feasible: 0, latencyBound: 0 };
    await fc.assert(
      fc.asyncProperty(instances({ gpus: false }), async ({ clusters, services, network }) => {
        const options = { timeLimitMs: 5_000, tieBreakBudgetMs: 5_000, capacityGap: false, ...network };
        const byGlpk = await milpPlacement(clusters, services, undefined, { ...options, solver: glpk });
        const byHighs = await milpPlacement(clusters, services, undefined, { ...options, solver: highs });
        for (const result of [byGlpk, byHighs]) {
          if (result.feasible) expect(checkPlacement(clusters, services, result.placement, network)).toEqual([]);
          else expect(result.kind).toBe('infeasible');
        }
        expect(byGlpk.feasible).toBe(byHighs.feasible);
        if (!byGlpk.feasible && !byHighs.feasible) {
          expect([byGlpk.bindingResource, byGlpk.requirement]).toEqual([byHighs.bindingResource, byHighs.requirement]);
          if (byHighs.bindingResource === 'latency') seen.latencyBound += 1;
          return;
        }
        if (!byGlpk.feasible || !byHighs.feasible) return;
        seen.feasible += 1;
        expect(byGlpk.objective).toBe(byHighs.objective);
        const naive = naivePlacement(clusters, services, undefined, network);
        if (naive.feasible) {
          expect(checkPlacement(clusters, services, naive.placement, network)).toEqual([]);
          expect(byHighs.objective).toBeLessThanOrEqual(naive.objective);
        }
      }),
      { seed: 20_250_301, numRuns: 100, endOnFailure: true },
    );
    // With this seed: 60 feasible, 18 named latency requirements, 21 cpu, 1 memory.
    expect(seen.feasible).toBeGreaterThan(40);
    expect(seen.latencyBound).toBeGreaterThan(10);
  }, 60_000);

  it('capacity gaps are sufficient and minimal (re-solved with highs)', async () => {
    const highs = await getSolver('highs');
    let verified = 0;
    await fc.assert(
      fc.asyncProperty(instances({ gpus: true }), async ({ clusters, services, network }) => {
        const result = await milpPlacement(clusters, services, undefined, { solver: highs, tieBreakBudgetMs: 5_000, capacityGapBudgetMs: 60_000, ...network });
        if (result.feasible) return;
        expect(result.kind).toBe('infeasible');
        expect(result.capacityGap?.newCluster).toBeDefined(); // a new cluster can always take what does not fit
        expect(await verifyGap(clusters, services, result.capacityGap ?? {}, 'highs', network)).toEqual([]);
        verified += 1;
      }),
      { seed: 20_250_302, numRuns: 40, endOnFailure: true },
    );
    expect(verified).toBeGreaterThan(15); // 23 with this seed
  }, 60_000);
});
