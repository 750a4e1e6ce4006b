/**
 * Intent placement benchmark: `npm run bench:intents` (`-- --quick` for the two smaller sizes).
 * Prints one JSON document on stdout: for each size (services × clusters, 10× and 100× the demo's) and intent set,
 * the wall time of `intentPlacement` at first placement and at the re-placement after losing the busiest cluster,
 * whether it is proven optimal, or the intent named when infeasible. Every solve
 * is bounded by the placement time limit (5 s), diagnosis included.
 */
import { intentPlacement, type ClusterCapacity, type PlacementIntents, type ServiceDemand } from '../src/optimizer';

const quick = process.argv.includes('--quick');
const SIZES: ReadonlyArray<readonly [number, number]> = quick ? [[10, 5], [100, 20]] : [[10, 5], [100, 20], [300, 50]];
const INTENT_SETS: readonly PlacementIntents[] = [
  { energyEfficiency: true },
  { highAvailability: true, energyEfficiency: true },
  { security: true, highPerformance: true },
];

/** Deterministic instances: clusters of 16–32 cores, half trusted, carbon 50–549 g; services chained, every tenth co-located. */
function instance(services: number, clusters: number): { clusters: ClusterCapacity[]; services: ServiceDemand[] } {
  return {
    clusters: Array.from({ length: clusters }, (_, c) => ({
      name: `c${String(c).padStart(3, '0')}`,
      cpu: 16 + (c % 5) * 4,
      memoryBytes: 64 * 2 ** 30,
      available: true,
      labels: { 'smo.nephele.eu/carbon-intensity': String(50 + ((c * 37) % 500)), 'smo.nephele.eu/trusted': String(c % 2 === 0) },
    })),
    services: Array.from({ length: services }, (_, s) => ({
      id: `s${s}`,
      cpu: 0.25 + (s % 4) * 0.25,
      memoryBytes: 2 ** 30,
      gpu: false,
      replicas: 1 + (s % 2),
      coLocation: s % 10 === 1 ? [`s${s - 1}`] : [],
      connectionPoints: s > 0 ? [`s${s - 1}`] : [],
    })),
  };
}

async function main(): Promise<void> {
  const runs = [];
  for (const [services, clusters] of SIZES) {
    const problem = instance(services, clusters);
    for (const intents of INTENT_SETS) {
      const started = performance.now();
      const result = await intentPlacement(problem.clusters, problem.services, undefined, { intents, compareEnergy: false });
      const ms = Math.round(performance.now() - started);
      runs.push({ services, clusters, intents, ms, feasible: result.feasible, ...(result.feasible ? { provenOptimal: result.provenOptimal } : { bindingResource: result.bindingResource ?? null }) });
      process.stderr.write(`${services}×${clusters} ${JSON.stringify(intents)}: ${ms} ms\n`);
      if (!result.feasible) continue;
      // Re-placement after the loss of the cluster hosting the most services: moves first, then the intents' terms.
      const hosted = new Map<string, number>();
      for (const name of Object.values(result.clusterSets).flat().concat(Object.values(result.placement))) hosted.set(name, (hosted.get(name) ?? 0) + 1);
      const lost = [...hosted].sort((a, b) => b[1] - a[1])[0]?.[0];
      const after = problem.clusters.map((cluster) => (cluster.name === lost ? { ...cluster, available: false } : cluster));
      const again = performance.now();
      const replaced = await intentPlacement(after, problem.services, result.placement, { intents, currentSets: result.clusterSets, compareEnergy: false });
      const replaceMs = Math.round(performance.now() - again);
      runs.push({
        services,
        clusters,
        intents,
        replacement: `lost ${lost}`,
        ms: replaceMs,
        feasible: replaced.feasible,
        ...(replaced.feasible ? { provenOptimal: replaced.provenOptimal, moves: replaced.terms.moves } : { bindingResource: replaced.bindingResource ?? null }),
      });
      process.stderr.write(`${services}×${clusters} ${JSON.stringify(intents)} re-placement: ${replaceMs} ms\n`);
    }
  }
  process.stdout.write(`${JSON.stringify({ benchmark: 'intents', quick, runs }, null, 1)}\n`);
}

void main();
