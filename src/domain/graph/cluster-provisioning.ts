/**
 * Sizing a new OpenStack Kubernetes cluster from a placement's capacity gap (the `newCluster` option): as many worker
 * nodes of the assumed worker flavor as cover its CPU and memory. NFVCL builds its default flavor, so the flavor here
 * is configuration (SMO_PROVISION_WORKER_CPU / SMO_PROVISION_WORKER_MEMORY), recorded with the proposal.
 */

export interface WorkerFlavor {
  readonly cpu: number;
  readonly memoryBytes: number;
}

export const DEFAULT_WORKER_FLAVOR: WorkerFlavor = { cpu: 4, memoryBytes: 8 * 2 ** 30 };

export interface NewClusterGap {
  readonly cpu: number;
  readonly memoryBytes?: number;
  readonly gpu?: number;
}

/** At least one worker; a GPU gap cannot be closed this way (NFVCL builds no GPU nodes): undefined. */
export function workersForGap(gap: NewClusterGap, flavor: WorkerFlavor): number | undefined {
  if ((gap.gpu ?? 0) > 0) return undefined;
  const byCpu = flavor.cpu > 0 ? Math.ceil(gap.cpu / flavor.cpu - 1e-9) : 1;
  const byMemory = flavor.memoryBytes > 0 ? Math.ceil((gap.memoryBytes ?? 0) / flavor.memoryBytes - 1e-9) : 1;
  return Math.max(1, byCpu, byMemory);
}
