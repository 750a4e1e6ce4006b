import { milpPlacement } from '../milp-placement';
import { CapacityGap, ClusterCapacity, ClusterCapacityAddition, NetworkInputs, NewClusterCapacity, ServiceDemand } from '../model';
import { SolverName } from '../solver';
import { getSolver } from '../solver-selection';

/** Re-solving with a capacity gap applied (tests only). */

const MIB = 2 ** 20;

/** Existing clusters with `addition` applied (GPUs added to a cluster without any make it accelerated). */
export function withAddition(clusters: readonly ClusterCapacity[], addition: ClusterCapacityAddition): ClusterCapacity[] {
  return clusters.map((c) =>
    c.name !== addition.cluster
      ? c
      : {
          ...c,
          cpu: c.cpu + (addition.cpu ?? 0),
          ...(addition.memoryBytes === undefined ? {} : { memoryBytes: (c.memoryBytes ?? 0) + addition.memoryBytes }),
          ...(addition.gpu === undefined ? {} : { gpu: (c.gpu ?? 0) + addition.gpu }),
        },
  );
}

export function withNewCluster(clusters: readonly ClusterCapacity[], added: NewClusterCapacity, name = 'zz-new'): ClusterCapacity[] {
  return [...clusters, { name, cpu: added.cpu, memoryBytes: added.memoryBytes ?? 0, gpu: added.gpu ?? 0, available: true }];
}

/** A little less of one resource: 1 millicore, 1 MiB (memory rows are in GiB, solved to ~1e-6), 1 GPU. */
const LESS = { cpu: 0.001, memoryBytes: MIB, gpu: 1 } as const;
type Amount = keyof typeof LESS;
const amounts = (value: { cpu?: number; memoryBytes?: number; gpu?: number }): Amount[] =>
  (['cpu', 'memoryBytes', 'gpu'] as const).filter((key) => (value[key] ?? 0) > 0);

/**
 * Re-solves with each suggestion added (must be feasible) and with a little less of each of its resources
 * (must stay proven infeasible: the suggestion is minimal per resource on that cluster). Returns what failed.
 */
export async function verifyGap(
  clusters: readonly ClusterCapacity[],
  services: readonly ServiceDemand[],
  gap: CapacityGap,
  solverName: SolverName,
  network: NetworkInputs = {},
): Promise<string[]> {
  const failures: string[] = [];
  const solve = async (on: readonly ClusterCapacity[]) =>
    milpPlacement(on, services, undefined, { solver: await getSolver(solverName), capacityGap: false, ...network });
  const expectFeasible = async (on: readonly ClusterCapacity[], what: string, feasible: boolean): Promise<void> => {
    const result = await solve(on);
    const ok = feasible ? result.feasible : !result.feasible && result.kind === 'infeasible';
    if (!ok) failures.push(`${what}: expected ${feasible ? 'feasible' : 'proven infeasible'}, got ${result.feasible ? 'feasible' : result.kind}`);
  };
  for (const addition of gap.addToCluster ?? []) {
    await expectFeasible(withAddition(clusters, addition), `add ${JSON.stringify(addition)}`, true);
    for (const key of amounts(addition)) {
      const less = { ...addition, [key]: (addition[key] ?? 0) - LESS[key] };
      await expectFeasible(withAddition(clusters, less), `add ${JSON.stringify(less)} (less ${key})`, false);
    }
  }
  if (gap.newCluster !== undefined) {
    await expectFeasible(withNewCluster(clusters, gap.newCluster), `new cluster ${JSON.stringify(gap.newCluster)}`, true);
    for (const key of amounts(gap.newCluster)) {
      const less = { ...gap.newCluster, [key]: (gap.newCluster[key] ?? 0) - LESS[key] };
      await expectFeasible(withNewCluster(clusters, less), `new cluster ${JSON.stringify(less)} (less ${key})`, false);
    }
  }
  return failures;
}
